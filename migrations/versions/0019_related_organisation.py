"""Institutions of a new kind, related organisation (関係機関): the brochure's forum tables count
them apart from universities, research institutes and companies (issue 22)

Revision ID: 0019_related_organisation
Revises: 0018_mail_columns
Create Date: 2026-11-28 13:30:00

The CHECK constraint of institutions.kind changes, and the column grows by two (22 → 24) with
the longest name. Going down,
institutions of the new kind become "other".
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_related_organisation'
down_revision = '0018_mail_columns'
branch_labels = None
depends_on = None

OLD = ('university', 'research_institute', 'company', 'government', 'other')
NEW = ('university', 'research_institute', 'company', 'related_organisation', 'government', 'other')
institutions = sa.table('institutions', sa.column('kind', sa.String))


def _kinds(values, length):
    return sa.Enum(*values, name='institution_kind', native_enum=False, create_constraint=True, length=length)


def upgrade():
    with op.batch_alter_table('institutions') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_institutions_institution_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=22), type_=_kinds(NEW, 24), existing_nullable=False)


def downgrade():
    op.execute(institutions.update().where(institutions.c.kind == 'related_organisation').values(kind='other'))
    with op.batch_alter_table('institutions') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_institutions_institution_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=24), type_=_kinds(OLD, 22), existing_nullable=False)
