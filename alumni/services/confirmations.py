"""What a destructive action will do, for the page that asks before it (issue 18): how many
people a cancellation tells, how many failed messages a retry sends again. Read-only."""
from __future__ import annotations

from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import (
    Event,
    EventStatus,
    MailAddressHold,
    MailStatus,
    OutgoingMail,
    Registration,
    RegistrationStatus,
)

#: Who is told of a cancellation (alumni.services.notices.queue_event_cancellation).
TOLD_OF_CANCELLATION = (RegistrationStatus.yes, RegistrationStatus.maybe, RegistrationStatus.waitlisted)


def people_told_of_cancellation(event: Event) -> int:
    """How many members get the cancellation notice: none for an event never published."""
    if event.status != EventStatus.published:
        return 0
    return db.session.scalar(
        select(func.count(Registration.id))
        .where(Registration.event_id == event.id, Registration.member_id.is_not(None),
               Registration.status.in_(TOLD_OF_CANCELLATION))) or 0


def messages_to_retry(mailing: str) -> int:
    """How many failed messages of the mailing a retry queues again (held addresses stay out,
    as alumni.services.outbox.retry_failed does)."""
    held = select(MailAddressHold.email).where(MailAddressHold.held)
    return db.session.scalar(
        select(func.count(OutgoingMail.id))
        .where(OutgoingMail.mailing == mailing, OutgoingMail.status == MailStatus.failed,
               OutgoingMail.recipient.not_in(held))) or 0
