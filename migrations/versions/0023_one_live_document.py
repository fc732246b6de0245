"""One live (not revoked) document of a kind per registration and per participation (issue 22):
two first downloads at the same moment can no longer issue two certificates

Revision ID: 0023_one_live_document
Revises: 0022_documents
Create Date: 2026-11-28 15:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_one_live_document'
down_revision = '0022_documents'
branch_labels = None
depends_on = None

LIVE = sa.text("revoked_at IS NULL")


def upgrade():
    # Documents issued twice before this revision: the later copies are revoked (their codes
    # still verify as revoked), so that the index can be made.
    op.execute("""
        UPDATE documents SET revoked_at = issued_at
        WHERE revoked_at IS NULL AND EXISTS (
            SELECT 1 FROM documents AS older
            WHERE older.kind = documents.kind AND older.revoked_at IS NULL AND older.id < documents.id
              AND (older.registration_id = documents.registration_id
                   OR older.participation_id = documents.participation_id))
    """)
    op.create_index('one_live_document_per_registration', 'documents', ['kind', 'registration_id'],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index('one_live_document_per_participation', 'documents', ['kind', 'participation_id'],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    op.drop_index('one_live_document_per_participation', table_name='documents')
    op.drop_index('one_live_document_per_registration', table_name='documents')
