"""Pending email: a member's new address waits for its confirmation; members by visibility
and country (the public counts and the directory's country menu)

Revision ID: 0011_pending_email
Revises: 0010_token_expiry
Create Date: 2026-11-28 09:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_pending_email'
down_revision = '0010_token_expiry'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))
        batch_op.create_index('ix_members_visibility_country', ['visibility', 'country'], unique=False)


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_visibility_country')
        batch_op.drop_column('pending_email')
