"""Outgoing mail says which event it is about and what it is for in columns of its own (issue 24):
nothing parses an event or a member out of a dedup key any more

Revision ID: 0018_mail_columns
Revises: 0017_names
Create Date: 2026-11-28 12:30:00

The rows already there are filled from what was written before: the event from the mailing name
("event:{id}:…") or, for calendar replies (no mailing), from the key
("calendar-reply:{event}:{member}:…"); the purpose from the kind. An event that no longer exists
leaves event_id empty. Done in Python, in batches: the same on SQLite and PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_mail_columns'
down_revision = '0017_names'
branch_labels = None
depends_on = None

PURPOSES = ('invitation', 'reminder', 'update', 'cancellation', 'promotion', 'account', 'email_change',
            'calendar_reply')
BATCH = 1000

mail = sa.table('outgoing_mail', sa.column('id', sa.Integer), sa.column('dedup_key', sa.String),
                sa.column('mailing', sa.String), sa.column('kind', sa.String),
                sa.column('event_id', sa.Integer), sa.column('purpose', sa.String))
events = sa.table('events', sa.column('id', sa.Integer))


def purpose_of(kind):
    """The purpose of a message queued before this revision, from its kind."""
    if kind in ('invitation', 'reminder', 'update', 'cancellation', 'promotion'):
        return kind
    if kind.startswith('account-'):
        return 'account'
    if kind.startswith('email-change'):
        return 'email_change'
    if kind == 'calendar-reply':
        return 'calendar_reply'
    return 'account'  # nothing else was ever queued; a stray row is kept, not refused


def event_of(dedup_key, mailing):
    """The event a message queued before this revision is about, if any."""
    for text, prefix in ((mailing, 'event:'), (dedup_key, 'calendar-reply:')):
        if text and text.startswith(prefix):
            number = text[len(prefix):].split(':', 1)[0]
            if number.isdigit():
                return int(number)
    return None


def upgrade():
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('purpose', sa.String(length=18), nullable=True))
    connection = op.get_bind()
    existing = set(connection.scalars(sa.select(events.c.id)))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(mail.c.id, mail.c.dedup_key, mail.c.mailing, mail.c.kind)
            .where(mail.c.id > last).order_by(mail.c.id).limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1].id
        values = []
        for row in rows:
            event_id = event_of(row.dedup_key, row.mailing)
            values.append({'row_id': row.id, 'purpose': purpose_of(row.kind),
                           'event_id': event_id if event_id in existing else None})
        connection.execute(
            mail.update().where(mail.c.id == sa.bindparam('row_id'))
            .values(purpose=sa.bindparam('purpose'), event_id=sa.bindparam('event_id')), values)
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.alter_column('purpose', existing_type=sa.String(length=18), nullable=False,
                              type_=sa.Enum(*PURPOSES, name='mail_purpose', native_enum=False,
                                            create_constraint=True, length=18))
        batch_op.create_index(batch_op.f('ix_outgoing_mail_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outgoing_mail_event_id_events'), 'events',
                                    ['event_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outgoing_mail') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outgoing_mail_event_id_events'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_event_id'))
        batch_op.drop_constraint(batch_op.f('ck_outgoing_mail_mail_purpose'), type_='check')
        batch_op.drop_column('purpose')
        batch_op.drop_column('event_id')
