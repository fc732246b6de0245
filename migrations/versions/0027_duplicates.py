"""Duplicate members: other addresses (member_emails), the merge log (member_merges), and the
possible duplicates an import made (import_jobs.possible_duplicates) (issue 21)

Revision ID: 0027_duplicates
Revises: 0026_rounds
Create Date: 2026-11-28 15:20:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_duplicates'
down_revision = '0026_rounds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs') as batch_op:
        batch_op.add_column(sa.Column('possible_duplicates', sa.Integer(), nullable=True))
    op.create_table(
        'member_emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email'),
    )
    with op.batch_alter_table('member_emails') as batch_op:
        batch_op.create_index('ix_member_emails_member_id', ['member_id'])
    op.create_table(
        'member_merges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kept_member_id', sa.Integer(), nullable=False),
        sa.Column('duplicate_member_id', sa.Integer(), nullable=False),
        sa.Column('kept_name', sa.String(length=300), nullable=False),
        sa.Column('duplicate_name', sa.String(length=300), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('member_merges') as batch_op:
        batch_op.create_index('ix_member_merges_kept_member_id', ['kept_member_id'])
        batch_op.create_index('ix_member_merges_duplicate_member_id', ['duplicate_member_id'])


def downgrade():
    with op.batch_alter_table('member_merges') as batch_op:
        batch_op.drop_index('ix_member_merges_duplicate_member_id')
        batch_op.drop_index('ix_member_merges_kept_member_id')
    op.drop_table('member_merges')
    with op.batch_alter_table('member_emails') as batch_op:
        batch_op.drop_index('ix_member_emails_member_id')
    op.drop_table('member_emails')
    with op.batch_alter_table('import_jobs') as batch_op:
        batch_op.drop_column('possible_duplicates')
