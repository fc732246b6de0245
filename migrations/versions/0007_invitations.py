"""Invitations: members may unsubscribe from them (one-click link in every invitation)

Revision ID: 0007_invitations
Revises: 0006_calendar
Create Date: 2026-11-22 00:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_invitations'
down_revision = '0006_calendar'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitations_unsubscribed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('invitations_unsubscribed_at')
