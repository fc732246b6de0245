"""RSVP rules: capacity and waitlist order, promotion, deadlines, side quotas, check-in,
the forum summary, the CSV export, anonymised registrations."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from alumni.errors import Conflict, Invalid
from alumni.extensions import db
from alumni.models import Registration, RegistrationStatus
from alumni.services import events as esvc
from alumni.services import members as msvc
from alumni.services import registrations as rsvc
from alumni.signals import registration_promoted
from tests.factories import make_event, make_institution, make_member


def yes(event, member, **kw):
    outcome = rsvc.respond(event, member, "yes", **kw)
    db.session.commit()
    return outcome


def statuses(event):
    return [r.status.value for r in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id))]


def test_capacity_is_never_exceeded_and_the_overflow_waits_in_order():
    event = make_event(capacity=3)
    people = [make_member() for _ in range(5)]
    outcomes = [yes(event, m) for m in people]
    assert statuses(event) == ["yes", "yes", "yes", "waitlisted", "waitlisted"]
    assert [rsvc.waitlist_position(o.registration) for o in outcomes[3:]] == [1, 2]
    assert rsvc.places_left(event) == 0


def test_answering_again_changes_the_same_registration():
    event = make_event(capacity=10)
    member = make_member()
    first = yes(event, member)
    second = rsvc.respond(event, member, "maybe")
    assert first.created and not second.created
    assert second.registration.id == first.registration.id
    assert db.session.scalar(select(func.count(Registration.id))) == 1
    assert second.registration.status == RegistrationStatus.maybe


def test_a_withdrawn_yes_promotes_the_first_waitlisted_and_sends_the_signal():
    event = make_event(capacity=2)
    a, b, c, d = (make_member() for _ in range(4))
    reg_a = yes(event, a).registration
    yes(event, b)
    reg_c = yes(event, c).registration
    reg_d = yes(event, d).registration
    seen = []
    with registration_promoted.connected_to(lambda reg, **_: seen.append(reg)):
        outcome = rsvc.withdraw(reg_a)
    db.session.commit()
    assert outcome.promoted == [reg_c] and seen == [reg_c]
    assert reg_c.status == RegistrationStatus.yes and reg_c.promoted_at is not None
    assert reg_a.status == RegistrationStatus.cancelled
    assert rsvc.waitlist_position(reg_d) == 1
    # Saying "no" after a yes frees the seat too.
    outcome = rsvc.respond(event, b, "no")
    assert outcome.promoted == [reg_d]


def test_a_waitlisted_yes_repeated_keeps_its_place():
    event = make_event(capacity=1)
    a, b, c = (make_member() for _ in range(3))
    yes(event, a)
    reg_b = yes(event, b).registration
    yes(event, c)
    yes(event, b)
    assert rsvc.waitlist_position(reg_b) == 1


def test_raising_the_capacity_promotes_from_the_waitlist():
    event = make_event(capacity=1)
    a, b = make_member(), make_member()
    yes(event, a)
    reg_b = yes(event, b).registration
    esvc.update_event(event, {"capacity": 2})
    assert reg_b.status == RegistrationStatus.yes


def test_draft_cancelled_and_closed_events_refuse_answers():
    member = make_member()
    draft = make_event(publish=False)
    with pytest.raises(Conflict, match="not published"):
        rsvc.respond(draft, member, "yes")
    cancelled = make_event()
    esvc.cancel_event(cancelled)
    with pytest.raises(Conflict, match="cancelled"):
        rsvc.respond(cancelled, member, "yes")
    now_local = datetime.now().replace(microsecond=0)
    closed = make_event(registration_deadline=(now_local - timedelta(days=2)).isoformat(), timezone="UTC")
    with pytest.raises(Conflict, match="closed"):
        rsvc.respond(closed, member, "yes")
    # Saying no (freeing a seat) is still possible after the deadline.
    assert rsvc.respond(closed, member, "no").registration.status == RegistrationStatus.no


def test_deadline_is_judged_in_the_event_zone():
    """A deadline of 23:59 in Asia/Tokyo has passed at 15:00 UTC the same day."""
    event = make_event(timezone="Asia/Tokyo", starts_at="2030-01-10T10:00:00", ends_at="2030-01-10T12:00:00",
                       registration_deadline="2030-01-05T23:59:00")
    assert esvc.answers_close_utc(event).isoformat() == "2030-01-05T14:59:00+00:00"


def test_bad_answer_is_refused():
    event = make_event()
    with pytest.raises(Invalid):
        rsvc.respond(event, make_member(), "perhaps")


def forum(**kw):
    return make_event(kind="forum", capacity=kw.pop("capacity", 10), side_quotas=kw.pop("side_quotas", {"IN": 2, "JP": 2}),
                      title="3rd India–Japan University Forum", **kw)


def test_a_full_side_waitlists_only_its_own_registrants():
    event = forum()
    in1, in2, in3, jp1 = (make_member() for _ in range(4))
    yes(event, in1, side="IN")
    yes(event, in2, side="in")  # sides match case-insensitively
    reg_in3 = yes(event, in3, side="IN").registration
    reg_jp1 = yes(event, jp1, side="JP").registration
    assert reg_in3.status == RegistrationStatus.waitlisted
    assert reg_jp1.status == RegistrationStatus.yes
    with pytest.raises(Invalid, match="IN, JP"):
        rsvc.respond(event, make_member(), "yes", side="KE")


def test_seats_counts_taken_per_side_and_the_waitlist_apart_from_other_answers():
    event = forum(capacity=3, side_quotas={"IN": 1, "JP": 2})
    in1, in2, jp1, jp2, maybe, no = (make_member() for _ in range(6))
    yes(event, in1, side="IN")
    yes(event, in2, side="IN")  # IN is full: waitlisted
    yes(event, jp1, side="JP")
    yes(event, jp2, side="JP")  # the event is full now
    rsvc.respond(event, maybe, "maybe", side="JP")
    rsvc.respond(event, no, "no")
    db.session.commit()
    counted = rsvc.seats(event)
    assert (counted.taken, counted.per_side, counted.waitlisted) == (3, {"IN": 1, "JP": 2}, 1)
    assert counted.places_left == 0 == rsvc.places_left(event)
    assert rsvc.count_taken(event) == (3, {"IN": 1, "JP": 2})
    unlimited = forum(capacity=None, side_quotas={})
    yes(unlimited, make_member())
    assert rsvc.seats(unlimited).places_left is None and rsvc.seats(unlimited).taken == 1


def test_a_freed_seat_goes_to_someone_who_fits_its_side():
    event = forum(capacity=3, side_quotas={"IN": 2, "JP": 2})
    in1, in2, jp1, in3, jp2 = (make_member() for _ in range(5))
    yes(event, in1, side="IN")
    yes(event, in2, side="IN")
    reg_jp1 = yes(event, jp1, side="JP").registration
    reg_in3 = yes(event, in3, side="IN").registration   # IN side full
    reg_jp2 = yes(event, jp2, side="JP").registration   # overall full
    assert (reg_in3.status, reg_jp2.status) == (RegistrationStatus.waitlisted, RegistrationStatus.waitlisted)
    outcome = rsvc.withdraw(reg_jp1)
    # in3 is first in line, but the IN side is still full: jp2 gets the seat.
    assert outcome.promoted == [reg_jp2]
    assert reg_in3.status == RegistrationStatus.waitlisted


def test_forum_summary_follows_the_seed_table():
    event = forum(capacity=None, side_quotas={})
    kinds = {"university": 3, "research_institute": 2, "company": 1, "other": 1}
    for kind, count in kinds.items():
        for _ in range(count):
            inst = make_institution(kind=kind, country="JP")
            yes(event, make_member(), side="JP", institution_id=inst.id)
    iit = make_institution(name="IIT Hyderabad", country="IN")
    for _ in range(3):  # three people from one university count one institution
        yes(event, make_member(), side="IN", institution_id=iit.id)
    rsvc.respond(event, make_member(), "no", side="IN", institution_id=make_institution(country="IN").id)
    summary = rsvc.summarise(event)
    assert summary["sides"]["JP"] == {"people": 7, "institutions": {
        "university": 3, "research_institute": 2, "company": 1, "related_organisation": 0, "government": 0, "other": 1}}
    assert summary["sides"]["IN"] == {"people": 3, "institutions": {
        "university": 1, "research_institute": 0, "company": 0, "related_organisation": 0, "government": 0, "other": 0}}
    assert summary["by_status"] == {"yes": 10, "maybe": 0, "no": 1, "waitlisted": 0, "cancelled": 0}
    assert summary["places_left"] is None and summary["checked_in"] == 0


def test_check_in_counts_once_and_reports_the_second():
    event = make_event(capacity=5)
    reg = yes(event, make_member()).registration
    rsvc.check_in(reg)
    db.session.commit()
    with pytest.raises(Conflict, match="Already checked in"):
        rsvc.check_in(reg)
    db.session.rollback()
    assert rsvc.summarise(event)["checked_in"] == 1
    maybe = rsvc.respond(event, make_member(), "maybe").registration
    with pytest.raises(Conflict):
        rsvc.check_in(maybe)


def test_ticket_tokens_are_long_random_and_distinct():
    event = make_event()
    tokens = {yes(event, make_member()).registration.ticket_token for _ in range(5)}
    assert len(tokens) == 5 and all(len(t) >= 40 for t in tokens)
    assert rsvc.find_by_token(next(iter(tokens))).event_id == event.id


def test_csv_export_is_utf8_with_bom_and_keeps_native_names():
    event = make_event(capacity=1)
    yes(event, make_member(given_name="Hanako", family_name="Sato", native_name="佐藤 花子"))
    yes(event, make_member(given_name="Priya", family_name="Sharma", native_name="प्रिया शर्मा"))
    data = rsvc.export_csv(event)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "佐藤 花子" in text and "प्रिया शर्मा" in text
    lines = text.strip().splitlines()
    assert lines[0].startswith("registration_id,name") and len(lines) == 3
    assert ",waitlisted,1," in text


def test_deleting_a_member_anonymises_the_registration_and_keeps_counts():
    event = make_event(capacity=5)
    member = make_member()
    reg = yes(event, member).registration
    msvc.delete_member(member)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).member_id is None
    assert rsvc.summarise(event)["by_status"]["yes"] == 1


def test_a_no_needs_no_side_even_at_a_forum():
    event = forum()
    assert rsvc.respond(event, make_member(), "no").registration.side is None


def test_promotion_reads_past_the_first_batch_of_the_waitlist(monkeypatch):
    monkeypatch.setattr(rsvc, "PROMOTION_BATCH", 2)
    event = forum(capacity=3, side_quotas={"IN": 1, "JP": 2})
    yes(event, make_member(), side="IN")
    jp = yes(event, make_member(), side="JP").registration
    yes(event, make_member(), side="JP")
    waiting_in = [yes(event, make_member(), side="IN").registration for _ in range(3)]
    waiting_jp = yes(event, make_member(), side="JP").registration
    outcome = rsvc.withdraw(jp)
    assert outcome.promoted == [waiting_jp]
    assert all(r.status == RegistrationStatus.waitlisted for r in waiting_in)


@pytest.mark.parametrize(("lang", "written"), [("en", ("Nov 28, 1:22\u202fPM", "India Time")),
                                               ("ja", ("11月28日 13:22", "インド時間"))])
def test_a_second_check_in_says_the_first_in_the_event_zone_and_the_readers_locale(lang, written):
    """Not "11/28/26, 7:52 AM" (UTC, US format) beside "28 Nov, 13:22" on the same page."""
    from datetime import UTC

    from alumni.i18n import force_locale

    event = make_event(timezone="Asia/Kolkata")
    reg = yes(event, make_member()).registration
    rsvc.check_in(reg)
    reg.checked_in_at = datetime(2026, 11, 28, 7, 52, tzinfo=UTC)  # 13:22 in Kolkata
    db.session.commit()
    with force_locale(lang), pytest.raises(Conflict) as raised:
        rsvc.check_in(reg)
    moment, zone = written  # the zone's name as the catalogue brackets it (ja: full-width)
    assert moment in raised.value.message and zone in raised.value.message
    assert "7:52" not in raised.value.message
