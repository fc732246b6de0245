"""Indexes for the staff reports: a member's first inbound participation, earliest career
entry and return visit after a date.

Revision ID: 0004_staff
Revises: 0003_events
"""
from alembic import op

revision = "0004_staff"
down_revision = "0003_events"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.create_index("ix_participations_direction_member_start",
                              ["direction", "member_id", "start_date"], unique=False)
    with op.batch_alter_table("career_entries", schema=None) as batch_op:
        batch_op.create_index("ix_career_entries_member_start", ["member_id", "start_date"], unique=False)
        batch_op.create_index("ix_career_entries_current", ["end_date", "country", "member_id"], unique=False)
    with op.batch_alter_table("return_visits", schema=None) as batch_op:
        batch_op.create_index("ix_return_visits_member_start", ["member_id", "start_date"], unique=False)


def downgrade():
    with op.batch_alter_table("return_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_return_visits_member_start")
    with op.batch_alter_table("career_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_career_entries_current")
        batch_op.drop_index("ix_career_entries_member_start")
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.drop_index("ix_participations_direction_member_start")
