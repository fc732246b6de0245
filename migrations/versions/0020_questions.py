"""Registration questions per event, their answers, and how long answers are kept (issue 22)

Revision ID: 0020_questions
Revises: 0019_related_organisation
Create Date: 2026-11-28 13:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_questions'
down_revision = '0019_related_organisation'
branch_labels = None
depends_on = None

KINDS = ('text', 'long_text', 'single_choice', 'multiple_choice', 'yes_no', 'country', 'date')


def upgrade():
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('answers_retention_days', sa.Integer(), nullable=False, server_default='90'))
    op.create_table(
        'event_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='question_kind', native_enum=False, create_constraint=True,
                                  length=19), nullable=False),
        sa.Column('label', sa.String(length=500), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('translations', sa.JSON(), nullable=False),
        sa.Column('required', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('show_if_question_id', sa.Integer(), nullable=True),
        sa.Column('show_if_value', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['show_if_question_id'], ['event_questions.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_event_questions_event_id', 'event_questions', ['event_id'])
    op.create_table(
        'registration_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['event_questions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('registration_id', 'question_id', name='one_answer_per_question'),
    )
    op.create_index('ix_registration_answers_registration_id', 'registration_answers', ['registration_id'])
    op.create_index('ix_registration_answers_question_id', 'registration_answers', ['question_id'])


def downgrade():
    op.drop_index('ix_registration_answers_question_id', table_name='registration_answers')
    op.drop_index('ix_registration_answers_registration_id', table_name='registration_answers')
    op.drop_table('registration_answers')
    op.drop_index('ix_event_questions_event_id', table_name='event_questions')
    op.drop_table('event_questions')
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_column('answers_retention_days')
