"""The audit log: who changed what through a service, when, with before/after (issue 24)

Revision ID: 0016_audit
Revises: 0015_event_published_at
Create Date: 2026-11-28 12:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_audit'
down_revision = '0015_event_published_at'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_role', sa.String(length=20), nullable=True),
        sa.Column('actor_name', sa.String(length=300), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('subject_type', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_audit_log_event_id_events'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_audit_log_member_id_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    )
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_member_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_event_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))
    op.drop_table('audit_log')
