"""Cohorts: each member's first inbound participation kept on the member row

The cohort (fiscal year of the first inbound participation), its programme and dates were ranked
from every participation on each report, directory filter and overview; they are now stored and
refreshed by the application whenever a member's participations change (services.cohorts).

Revision ID: 0008_cohorts
Revises: 0007_invitations
Create Date: 2026-11-22 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_cohorts'
down_revision = '0007_invitations'
branch_labels = None
depends_on = None

FIRST_INBOUND = """(SELECT p.{column} FROM participations AS p
    WHERE p.member_id = members.id AND p.direction = 'inbound'
    ORDER BY p.start_date, p.id LIMIT 1)"""


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cohort', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cohort_programme', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('first_inbound_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('first_inbound_end', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_members_cohort'), ['cohort'], unique=False)
    # Fill them for the members already there, the same way services.cohorts refreshes them.
    op.execute("UPDATE members SET " + ", ".join(
        f"{target} = " + FIRST_INBOUND.format(column=source)
        for target, source in (("cohort", "fiscal_year"), ("cohort_programme", "programme_code"),
                               ("first_inbound_start", "start_date"), ("first_inbound_end", "end_date"))))


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_cohort'))
        batch_op.drop_column('first_inbound_end')
        batch_op.drop_column('first_inbound_start')
        batch_op.drop_column('cohort_programme')
        batch_op.drop_column('cohort')
