"""Waitlist offers (issue 22): an event may offer a freed seat to the next waitlisted member for
a number of hours instead of promoting at once; the registration keeps the offer's deadline; the
outbox gets the purpose "offer"

Revision ID: 0021_offers
Revises: 0020_questions
Create Date: 2026-11-28 13:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_offers'
down_revision = '0020_questions'
branch_labels = None
depends_on = None

BEFORE = ('invitation', 'reminder', 'update', 'cancellation', 'promotion', 'account', 'email_change',
          'calendar_reply')
AFTER = ('invitation', 'reminder', 'update', 'cancellation', 'promotion', 'offer', 'account', 'email_change',
         'calendar_reply')


def _purposes(values):
    return sa.Enum(*values, name='mail_purpose', native_enum=False, create_constraint=True, length=18)


def upgrade():
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('offer_hours', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('event_offer_hours_positive', 'offer_hours IS NULL OR offer_hours > 0')
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outgoing_mail_mail_purpose'), type_='check')
        # existing_type a plain string: the old CHECK is dropped above, once (an Enum here would
        # make Alembic drop it a second time on PostgreSQL)
        batch_op.alter_column('purpose', existing_type=sa.String(length=18), type_=_purposes(AFTER),
                              existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM outgoing_mail WHERE purpose = 'offer'")
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outgoing_mail_mail_purpose'), type_='check')
        batch_op.alter_column('purpose', existing_type=sa.String(length=18), type_=_purposes(BEFORE),
                              existing_nullable=False)
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_column('offer_expires_at')
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_events_event_offer_hours_positive'), type_='check')
        batch_op.drop_column('offer_hours')
