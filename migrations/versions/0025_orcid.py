"""ORCID (issue 21, item 4): a member's linked iD, career entries that remember the ORCID
affiliation they came from, institutions with their ROR id

Revision ID: 0025_orcid
Revises: 0024_feedback
Create Date: 2026-11-28 15:15:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_orcid'
down_revision = '0024_feedback'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'orcid_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('orcid', sa.String(length=19), nullable=False),
        sa.Column('access_token', sa.String(length=200), nullable=False),
        sa.Column('orcid_name', sa.String(length=300), nullable=False),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_orcid_links_member_id_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_orcid_links')),
        sa.UniqueConstraint('member_id', name=op.f('uq_orcid_links_member_id')),
        sa.UniqueConstraint('orcid', name=op.f('uq_orcid_links_orcid')),
    )
    with op.batch_alter_table('career_entries') as batch_op:
        batch_op.add_column(sa.Column('orcid_put_code', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_career_entries_member_id_orcid_put_code'),
                                          ['member_id', 'orcid_put_code'])
    with op.batch_alter_table('institutions') as batch_op:
        batch_op.add_column(sa.Column('ror_id', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_institutions_ror_id'), ['ror_id'])


def downgrade():
    with op.batch_alter_table('institutions') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_institutions_ror_id'), type_='unique')
        batch_op.drop_column('ror_id')
    with op.batch_alter_table('career_entries') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_career_entries_member_id_orcid_put_code'), type_='unique')
        batch_op.drop_column('orcid_put_code')
    op.drop_table('orcid_links')
