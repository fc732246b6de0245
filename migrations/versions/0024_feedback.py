"""Feedback after an event (issue 22 item 5): a question belongs to the registration form or the
feedback form; an event may send the feedback request a number of hours after its end and
remembers when it went; a registration remembers when its feedback was sent; the outbox gets the
purpose "feedback"

Revision ID: 0024_feedback
Revises: 0023_one_live_document
Create Date: 2026-11-28 15:20:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_feedback'
down_revision = '0023_one_live_document'
branch_labels = None
depends_on = None

BEFORE = ('invitation', 'reminder', 'update', 'cancellation', 'promotion', 'offer', 'account', 'email_change',
          'calendar_reply')
AFTER = ('invitation', 'reminder', 'update', 'cancellation', 'promotion', 'offer', 'feedback', 'account',
         'email_change', 'calendar_reply')


def _purposes(values):
    return sa.Enum(*values, name='mail_purpose', native_enum=False, create_constraint=True, length=18)


def upgrade():
    with op.batch_alter_table('event_questions') as batch_op:
        batch_op.add_column(sa.Column(
            'form', sa.Enum('registration', 'feedback', name='question_form', native_enum=False,
                            create_constraint=True, length=16),
            server_default='registration', nullable=False))
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('feedback_after_hours', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('feedback_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('event_feedback_after_hours_positive',
                                         'feedback_after_hours IS NULL OR feedback_after_hours >= 0')
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('feedback_submitted_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outgoing_mail_mail_purpose'), type_='check')
        # existing_type a plain string: the old CHECK is dropped above, once (see 0021_offers)
        batch_op.alter_column('purpose', existing_type=sa.String(length=18), type_=_purposes(AFTER),
                              existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM outgoing_mail WHERE purpose = 'feedback'")
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outgoing_mail_mail_purpose'), type_='check')
        batch_op.alter_column('purpose', existing_type=sa.String(length=18), type_=_purposes(BEFORE),
                              existing_nullable=False)
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_column('feedback_submitted_at')
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_events_event_feedback_after_hours_positive'), type_='check')
        batch_op.drop_column('feedback_requested_at')
        batch_op.drop_column('feedback_after_hours')
    # The feedback questions and their answers go: the registration form is all there was.
    op.execute("DELETE FROM registration_answers WHERE question_id IN "
               "(SELECT id FROM event_questions WHERE form = 'feedback')")
    op.execute("DELETE FROM event_questions WHERE form = 'feedback'")
    with op.batch_alter_table('event_questions') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_event_questions_question_form'), type_='check')
        batch_op.drop_column('form')
