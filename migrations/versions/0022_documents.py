"""Issued documents: certificates of attendance and participation, invitation letters (issue 22)

Revision ID: 0022_documents
Revises: 0021_offers
Create Date: 2026-11-28 13:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022_documents'
down_revision = '0021_offers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.Enum('attendance', 'participation', 'invitation_letter', name='document_kind',
                                  native_enum=False, create_constraint=True, length=21), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('participation_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participation_id'], ['participations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('documents') as batch_op:
        batch_op.create_index('ix_documents_member_id', ['member_id'])
        batch_op.create_index('ix_documents_registration_id', ['registration_id'])
        batch_op.create_index('ix_documents_participation_id', ['participation_id'])


def downgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_index('ix_documents_participation_id')
        batch_op.drop_index('ix_documents_registration_id')
        batch_op.drop_index('ix_documents_member_id')
    op.drop_table('documents')
