"""Chapters and institutions carry their names in other languages (issue 19): the language of
`name` and a JSON map {language: name}, like events' translations

Revision ID: 0017_names
Revises: 0016_audit
Create Date: 2026-11-28 12:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017_names'
down_revision = '0016_audit'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('chapters', 'institutions'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='en', nullable=False))
            # Existing rows have no other names: an empty map.
            batch_op.add_column(sa.Column('names', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    for table in ('chapters', 'institutions'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('names')
            batch_op.drop_column('language')
