"""Mail requests: "forgot my password" is stored as typed and resolved by the mail worker

Revision ID: 0012_mail_requests
Revises: 0011_pending_email
Create Date: 2026-11-28 09:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_mail_requests'
down_revision = '0011_pending_email'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_requests')),
    )


def downgrade():
    op.drop_table('mail_requests')
