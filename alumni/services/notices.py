"""Mail that follows an event: reminders before it, updates when its time or place changes,
the cancellation, and "you got a seat" when the waitlist moves. Each is queued in the transaction
of the change that causes it, with a key that makes it go once (alumni.services.mail_keys): a
reminder once per window, an update once per change (the SEQUENCE the calendar sees), the
cancellation once, a seat notice once per promotion.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from flask_babel import force_locale, get_locale
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import selectinload

from alumni.extensions import db
from alumni.i18n import babel_locale
from alumni.models import Event, EventStatus, MailPurpose, Member, OutgoingMail, Registration, RegistrationStatus
from alumni.models.types import utcnow
from alumni.services import mail_keys, outbox
from alumni.services.eventbase import starts_utc
from alumni.services.mailmerge import Recipient, recipient_name, render_rows
from alumni.services.registrations import lock_event, offer_deadline
from alumni.services.urls import external_url
from alumni.signals import event_cancelled, event_updated, registration_offered, registration_promoted

#: Reminders this many days before the start; the nearest window that is open is sent.
REMINDER_DAYS = (7, 1)


def _recipients(event: Event, statuses: Iterable[RegistrationStatus]) -> list[Recipient]:
    rows = db.session.execute(
        select(Member.id, Member.email, Member.preferred_language, Member.given_name, Member.family_name,
               Member.native_name, Member.family_name_first)
        .join(Registration, Registration.member_id == Member.id)
        .where(Registration.event_id == event.id, Registration.status.in_(statuses))
        .order_by(Member.id)).all()
    return [Recipient(mid, email, lang or "en", recipient_name(given, family, native, first))
            for mid, email, lang, given, family, native, first in rows]


def _reminder_key(days: int, event_id: int, recipient: Recipient) -> str:
    return mail_keys.reminder(event_id, recipient.member_id, days)


def _update_mailing(event: Event) -> str:
    return mail_keys.update_mailing(event.id, event.sequence)


def _unsent(event: Event, purposes: Iterable[MailPurpose]) -> tuple[ColumnElement[bool], ...]:
    """Conditions for this event's mail of `purposes` still waiting in the outbox."""
    return (OutgoingMail.event_id == event.id, OutgoingMail.purpose.in_(purposes), *outbox.unclaimed_queued())


def withdraw_unsent(event: Event, purposes: Iterable[MailPurpose]) -> int:
    """Take this event's not-yet-sent mail of `purposes` out of the outbox (it says something no
    longer true); answers how many. Their keys are freed, so they can be queued anew."""
    result = db.session.execute(delete(OutgoingMail).where(*_unsent(event, purposes))
                                .execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount  # a DELETE answers a CursorResult


def refresh_unsent(event: Event) -> None:
    """After a change of time or place: invitations not yet sent are rendered again with the new
    details (same keys, so still once per member); older updates and reminders not yet sent are
    dropped (the new update replaces them; the next reminder run queues reminders anew)."""
    waiting = db.session.execute(
        select(Member.id, Member.email, Member.preferred_language, Member.given_name, Member.family_name,
               Member.native_name, Member.family_name_first)
        .join(OutgoingMail, OutgoingMail.member_id == Member.id)
        .where(*_unsent(event, (MailPurpose.invitation,))).order_by(Member.id)).all()
    withdraw_unsent(event, (MailPurpose.invitation, MailPurpose.reminder))
    db.session.execute(delete(OutgoingMail).where(*_unsent(event, (MailPurpose.update,)),
                                                  OutgoingMail.mailing != _update_mailing(event))
                       .execution_options(synchronize_session=False))
    recipients = [Recipient(mid, email, lang or "en", recipient_name(given, family, native, first))
                  for mid, email, lang, given, family, native, first in waiting]
    outbox.queue_many(render_rows("invitation", event, recipients, mailing=mail_keys.invitation_mailing(event.id),
                                  dedup=lambda r: mail_keys.invitation(event.id, r.member_id)))


def queue_event_update(event: Event) -> tuple[int, int]:
    """The new time or place, with a calendar REQUEST at the new SEQUENCE, to everyone
    registered yes or maybe."""
    if event.status != EventStatus.published:
        return 0, 0
    refresh_unsent(event)
    rows: list[outbox.OutboxRow] = []
    # Those with a seat get the online link; those who said maybe do not.
    for status, seat in ((RegistrationStatus.yes, True), (RegistrationStatus.maybe, False)):
        rows += render_rows("update", event, _recipients(event, (status,)), mailing=_update_mailing(event),
                            dedup=lambda r: mail_keys.update(event.id, r.member_id, event.sequence), seat=seat)
    return outbox.queue_many(rows)


def queue_event_cancellation(event: Event) -> tuple[int, int]:
    """The cancellation, with a calendar CANCEL, to everyone registered yes, maybe or waitlisted.
    Invitations, reminders, updates, seat notices and offers not yet sent are withdrawn."""
    withdraw_unsent(event, (MailPurpose.invitation, MailPurpose.reminder, MailPurpose.update, MailPurpose.promotion,
                            MailPurpose.offer))
    recipients = _recipients(event, (RegistrationStatus.yes, RegistrationStatus.maybe, RegistrationStatus.waitlisted))
    rows = render_rows("cancellation", event, recipients, mailing=mail_keys.cancellation_mailing(event.id),
                       dedup=lambda r: mail_keys.cancellation(event.id, r.member_id))
    return outbox.queue_many(rows)


def queue_promotion_notice(registration: Registration) -> bool:
    """"You have a seat", to a member promoted from the waitlist."""
    member = registration.member
    if member is None or registration.promoted_at is None:
        return False
    event = registration.event
    promoted_at = registration.promoted_at
    recipient = Recipient(member.id, member.email, member.preferred_language or "en",
                          recipient_name(member.given_name, member.family_name, member.native_name,
                                         member.family_name_first))
    rows = render_rows("promotion", event, [recipient], mailing=mail_keys.promotion_mailing(event.id),
                       dedup=lambda r: mail_keys.promotion(registration.id, promoted_at), seat=True)
    queued, _skipped = outbox.queue_many(rows)
    return queued == 1


def queue_offer_notice(registration: Registration) -> bool:
    """"A seat is offered to you until …", in the member's language, the deadline in their zone."""
    member = registration.member
    expires = registration.offer_expires_at
    if member is None or expires is None:
        return False
    event = registration.event
    language = member.preferred_language or "en"
    with force_locale(babel_locale(language)):
        deadline = offer_deadline(expires, member.timezone or event.timezone, get_locale())
    recipient = Recipient(member.id, member.email, language,
                          recipient_name(member.given_name, member.family_name, member.native_name,
                                         member.family_name_first))
    rows = render_rows("offer", event, [recipient], mailing=mail_keys.offer_mailing(event.id),
                       dedup=lambda r: mail_keys.offer(registration.id, expires),
                       extra={"deadline": deadline, "take_url": external_url("events.detail", event_id=event.id)})
    queued, _skipped = outbox.queue_many(rows)
    return queued == 1


def reminder_window(event: Event, now: datetime) -> int | None:
    """The reminder due for `event` at `now`: 1 within a day of the start, 7 within a week,
    None when it has started or is further away."""
    left = starts_utc(event) - now
    if left <= timedelta(0):
        return None
    for days in sorted(REMINDER_DAYS):
        if left <= timedelta(days=days):
            return days
    return None


def queue_reminders(now: datetime | None = None) -> tuple[int, int]:
    """Reminders for the published events starting within the next week, to yes-registrations;
    each (window, event, member) once, however often this runs. Answers (queued, skipped)."""
    now = now or utcnow()
    horizon = max(REMINDER_DAYS)
    # Local times: a day of slack either side covers every zone; the exact test is in Python.
    naive = now.replace(tzinfo=None)
    events = db.session.scalars(
        select(Event).options(selectinload(Event.chapter))
        .where(Event.status == EventStatus.published, Event.starts_at > naive - timedelta(days=1),
               Event.starts_at < naive + timedelta(days=horizon + 1))).all()
    queued = skipped = 0
    for event in events:
        days = reminder_window(event, now)
        if days is None:
            continue
        lock_event(event)  # two overlapping runs: the second sees the first one's keys
        recipients = _recipients(event, (RegistrationStatus.yes,))
        rows = render_rows("reminder", event, recipients, mailing=mail_keys.reminder_mailing(event.id, days),
                           dedup=partial(_reminder_key, days, event.id),
                           extra={"days": days}, seat=True)
        q, s = outbox.queue_many(rows)
        queued += q
        skipped += s
    return queued, skipped


# ---------------------------------------------------------------- receivers
# Connected when this module is imported (create_app imports it; so does anything that queues
# reminders): each change queues its mail once, from pages, API and CLI alike.
@event_updated.connect
def _on_event_updated(event: Event, *, moved: bool = False, **_: Any) -> None:
    if moved:
        queue_event_update(event)


@event_cancelled.connect
def _on_event_cancelled(event: Event, **_: Any) -> None:
    queue_event_cancellation(event)


@registration_promoted.connect
def _on_registration_promoted(registration: Registration, **_: Any) -> None:
    queue_promotion_notice(registration)


@registration_offered.connect
def _on_registration_offered(registration: Registration, **_: Any) -> None:
    queue_offer_notice(registration)
