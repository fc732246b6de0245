"""Worker heartbeats: the mail worker and the scheduler say they are alive

Revision ID: 0009_worker_heartbeats
Revises: 0008_cohorts
Create Date: 2026-11-28 09:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_worker_heartbeats'
down_revision = '0008_cohorts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'worker_heartbeats',
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats')),
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_beat_at'), ['beat_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_kind'))
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_beat_at'))
    op.drop_table('worker_heartbeats')
