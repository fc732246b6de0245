"""Consents: the version of the privacy notice that was accepted

Revision ID: 0013_consent_version
Revises: 0012_mail_requests
Create Date: 2026-11-28 09:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_consent_version'
down_revision = '0012_mail_requests'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('version')
