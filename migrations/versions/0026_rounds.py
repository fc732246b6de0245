"""Update rounds (issue 21): members confirm their record through a signed link; each member
carries confirmed_at; the outbox gets the purpose "update_round"

Revision ID: 0026_rounds
Revises: 0025_orcid
Create Date: 2026-11-28 15:20:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026_rounds'
down_revision = '0025_orcid'
branch_labels = None
depends_on = None

BEFORE = ('invitation', 'reminder', 'update', 'cancellation', 'promotion', 'offer', 'feedback', 'account',
          'email_change', 'calendar_reply')
AFTER = BEFORE + ('update_round',)


def _purposes(values):
    return sa.Enum(*values, name='mail_purpose', native_enum=False, create_constraint=True, length=18)


def upgrade():
    with op.batch_alter_table('members') as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_members_confirmed_at', ['confirmed_at'])
    op.create_table(
        'update_rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('chapter_id', sa.Integer(), nullable=True),
        sa.Column('audience', sa.JSON(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['chapter_id'], ['chapters.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('update_rounds') as batch_op:
        batch_op.create_index('ix_update_rounds_started_by_id', ['started_by_id'])
        batch_op.create_index('ix_update_rounds_chapter_id', ['chapter_id'])
    op.create_table(
        'round_recipients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('changed', sa.Boolean(), nullable=False),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['update_rounds.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('round_id', 'member_id'),
    )
    with op.batch_alter_table('round_recipients') as batch_op:
        batch_op.create_index('ix_round_recipients_member_id', ['member_id'])
        batch_op.create_index('ix_round_recipients_round_answered', ['round_id', 'answered_at'])
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outgoing_mail_mail_purpose'), type_='check')
        # existing_type a plain string: the old CHECK is dropped above, once (see 0021_offers)
        batch_op.alter_column('purpose', existing_type=sa.String(length=18), type_=_purposes(AFTER),
                              existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM outgoing_mail WHERE purpose = 'update_round'")
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outgoing_mail_mail_purpose'), type_='check')
        batch_op.alter_column('purpose', existing_type=sa.String(length=18), type_=_purposes(BEFORE),
                              existing_nullable=False)
    with op.batch_alter_table('round_recipients') as batch_op:
        batch_op.drop_index('ix_round_recipients_round_answered')
        batch_op.drop_index('ix_round_recipients_member_id')
    op.drop_table('round_recipients')
    with op.batch_alter_table('update_rounds') as batch_op:
        batch_op.drop_index('ix_update_rounds_chapter_id')
        batch_op.drop_index('ix_update_rounds_started_by_id')
    op.drop_table('update_rounds')
    with op.batch_alter_table('members') as batch_op:
        batch_op.drop_index('ix_members_confirmed_at')
        batch_op.drop_column('confirmed_at')
