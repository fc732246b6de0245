"""Waitlist offers (issue 22): an event with `offer_hours` offers a freed seat to the next
waitlisted member for that many hours instead of promoting at once; taken → yes; declined or
lapsed → the next in line, quotas as for promotion; mail, audit log, the scheduler's task."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from alumni.errors import Conflict
from alumni.extensions import db
from alumni.models import AuditEntry, MailPurpose, OutgoingMail, RegistrationStatus, Role
from alumni.models.types import utcnow
from alumni.services import events as esvc
from alumni.services import home, schedule
from alumni.services import registrations as rsvc
from tests.factories import make_event, make_member, make_user


def yes(event, member, **kw):
    outcome = rsvc.respond(event, member, "yes", **kw)
    db.session.commit()
    return outcome.registration


def full_event(n_waiting=2, **values):
    """An event of one seat with offers of 24 hours: the seated registration and the waitlist."""
    event = make_event(capacity=1, offer_hours=24, **values)
    seated = yes(event, make_member())
    waiting = [yes(event, make_member()) for _ in range(n_waiting)]
    return event, seated, waiting


def actions(reg):
    return [a for (a,) in db.session.execute(
        select(AuditEntry.action).where(AuditEntry.subject_id == reg.id,
                                        AuditEntry.action.like("registration.offer%")).order_by(AuditEntry.id))]


def test_without_offer_hours_a_freed_seat_is_still_given_at_once():
    event = make_event(capacity=1)
    seated = yes(event, make_member())
    waiting = yes(event, make_member())
    rsvc.withdraw(seated)
    assert waiting.status == RegistrationStatus.yes and waiting.offer_expires_at is None


def test_a_freed_seat_is_offered_to_the_next_in_line_and_held_for_them():
    event, seated, (first, second) = full_event()
    before = utcnow()
    outcome = rsvc.withdraw(seated)
    db.session.commit()
    assert outcome.promoted == []
    assert first.status == RegistrationStatus.waitlisted and rsvc.offer_open(first)
    assert before + timedelta(hours=24) <= first.offer_expires_at <= utcnow() + timedelta(hours=24)
    assert not rsvc.offer_open(second)
    # The offered seat is held: a newcomer's yes joins the waitlist, not the seat.
    newcomer = yes(event, make_member())
    assert newcomer.status == RegistrationStatus.waitlisted
    assert rsvc.places_left(event) == 0
    assert actions(first) == ["registration.offered"]


def test_an_offer_is_taken_with_one_call_and_gives_a_seat():
    _event, seated, (first, second) = full_event()
    rsvc.withdraw(seated)
    rsvc.take_offer(first)
    db.session.commit()
    assert first.status == RegistrationStatus.yes and first.waitlist_number is None
    assert first.offer_expires_at is None and first.promoted_at is not None
    assert second.status == RegistrationStatus.waitlisted and not rsvc.offer_open(second)
    assert actions(first) == ["registration.offered", "registration.offer_taken"]
    with pytest.raises(Conflict):  # nothing left to take
        rsvc.take_offer(first)


def test_answering_yes_takes_an_open_offer():
    event, seated, (first, _second) = full_event()
    rsvc.withdraw(seated)
    reg = yes(event, first.member)
    assert reg.status == RegistrationStatus.yes
    assert "registration.offer_taken" in actions(first)


def test_a_declined_offer_passes_to_the_next_in_line():
    _event, seated, (first, second) = full_event()
    rsvc.withdraw(seated)
    rsvc.decline_offer(first)
    db.session.commit()
    assert first.status == RegistrationStatus.cancelled and first.offer_expires_at is None
    assert rsvc.offer_open(second)
    assert actions(first) == ["registration.offered", "registration.offer_declined"]


def test_saying_no_to_an_offer_passes_it_on_too():
    event, seated, (first, second) = full_event()
    rsvc.withdraw(seated)
    rsvc.respond(event, first.member, "no")
    db.session.commit()
    assert rsvc.offer_open(second)
    assert "registration.offer_declined" in actions(first)


def test_an_expired_offer_cannot_be_taken_and_lapses_to_the_next_once():
    _event, seated, (first, second) = full_event()
    rsvc.withdraw(seated)
    db.session.commit()
    later = first.offer_expires_at + timedelta(minutes=1)
    first.offer_expires_at = utcnow() - timedelta(minutes=1)  # the deadline passed
    db.session.commit()
    with pytest.raises(Conflict):
        rsvc.take_offer(first)
    db.session.rollback()
    assert rsvc.lapse_offers() == 1
    db.session.commit()
    assert first.status == RegistrationStatus.cancelled
    assert rsvc.offer_open(second)
    assert actions(first) == ["registration.offered", "registration.offer_lapsed"]
    # Idempotent: run again (even at the old deadline), nothing changes.
    assert rsvc.lapse_offers() == 0
    assert rsvc.lapse_offers(now=later - timedelta(hours=1)) == 0
    assert rsvc.offer_open(second)


def test_the_scheduler_lists_the_lapse_task():
    task = next(t for t in schedule.TASKS if t.name == "offers lapse")
    assert task.run() == "lapsed 0 offers"


def test_offers_respect_the_side_quotas_like_promotion():
    event = make_event(capacity=3, side_quotas={"IN": 1, "JP": 2}, offer_hours=2)
    in_seated = yes(event, make_member(), side="IN")
    yes(event, make_member(), side="JP")
    jp_seated = yes(event, make_member(), side="JP")
    in_waiting = yes(event, make_member(), side="IN")
    jp_waiting = yes(event, make_member(), side="JP")
    assert [in_waiting.status, jp_waiting.status] == [RegistrationStatus.waitlisted] * 2
    # A JP seat frees: the IN registrant ahead in line does not fit its full side; JP's next is offered.
    rsvc.withdraw(jp_seated)
    db.session.commit()
    assert not rsvc.offer_open(in_waiting) and rsvc.offer_open(jp_waiting)
    # An IN seat frees: offered to IN's next.
    rsvc.withdraw(in_seated)
    db.session.commit()
    assert rsvc.offer_open(in_waiting)


def test_the_offer_mail_is_in_the_members_language_with_the_deadline_in_their_zone():
    event = make_event(capacity=1, offer_hours=24)
    seated = yes(event, make_member())
    first = yes(event, make_member(preferred_language="ja", timezone="Asia/Tokyo"))
    rsvc.withdraw(seated)
    db.session.commit()
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.purpose == MailPurpose.offer))
    assert mail is not None and mail.member_id == first.member_id and mail.language == "ja"
    deadline = first.offer_expires_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{deadline.hour}:{deadline.minute:02d}" in mail.text_body
    assert "日本" in mail.text_body  # the zone named in Japanese (日本時間)
    assert event.title in mail.subject


def test_an_offer_cannot_be_declined_or_taken_without_one():
    _event, _seated, (first, _second) = full_event()
    with pytest.raises(Conflict):
        rsvc.take_offer(first)
    with pytest.raises(Conflict):
        rsvc.decline_offer(first)


def test_the_event_page_counts_an_offered_seat_as_taken():
    event, seated, (_first, _second) = full_event()
    rsvc.withdraw(seated)
    db.session.commit()
    page = rsvc.event_page(event.id, make_member())
    assert page.places_left == 0 and page.answers.yes_joins_waitlist


def test_cancelling_the_event_withdraws_an_unsent_offer():
    event, seated, _waiting = full_event()
    rsvc.withdraw(seated)
    db.session.commit()
    assert db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.purpose == MailPurpose.offer))
    esvc.cancel_event(event)
    db.session.commit()
    assert db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.purpose == MailPurpose.offer)) is None


def test_an_offer_is_not_held_past_the_events_start():
    soon = (datetime.now(ZoneInfo("Asia/Kolkata")) + timedelta(hours=3)).replace(tzinfo=None, microsecond=0)
    event = make_event(capacity=1, offer_hours=24, starts_at=soon, ends_at=soon + timedelta(hours=2))
    seated = yes(event, make_member())
    waiting = yes(event, make_member())
    rsvc.withdraw(seated)
    assert waiting.offer_expires_at == soon.replace(tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(UTC)


def test_every_count_of_places_left_holds_the_offered_seat():
    """The home page's next events, the organizer's dashboard and the event page count an open
    offer as a held seat, as `seats` does: no page says "1 place left" while the seat waits."""
    event, seated, (first, _second) = full_event()
    rsvc.withdraw(seated)
    db.session.commit()
    assert rsvc.offer_open(first)
    assert rsvc.places_left(event) == 0
    shown = {s.event.id: s.places_left for s in home.next_events(now=utcnow())}
    assert shown[event.id] == 0
    organizer = make_user(Role.organizer, chapter=event.chapter.code)
    managed = {m.event.id: m.places_left for m in home.organizer_home(organizer).events}
    assert managed[event.id] == 0
    assert rsvc.event_page(event.id, None).places_left == 0
