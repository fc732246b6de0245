"""Events remember when they were first published: a draft cancelled before it was published
stays hidden from visitors, lists and feeds (issue 18)

Revision ID: 0015_event_published_at
Revises: 0014_import_jobs
Create Date: 2026-11-28 10:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_event_published_at'
down_revision = '0014_import_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    # Before this column a cancelled draft could not be told from a cancelled published event:
    # every event that is not a draft counts as published (what visitors could already see).
    op.execute("UPDATE events SET published_at = updated_at WHERE status <> 'draft'")


def downgrade():
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_column('published_at')
