"""What the home page shows each person (services.home) and the privacy notice's versions
(services.privacy)."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from alumni.extensions import db
from alumni.models import Consent, ConsentKind, MailAddressHold, MailStatus, Member, OutgoingMail, Registration
from alumni.services import home, membership, privacy, workers
from alumni.services import invitations as isvc
from alumni.services import registrations as rsvc
from alumni.services.events import cancel_event
from tests.factories import (
    make_career,
    make_event,
    make_member,
    make_participation,
    make_user,
)


def test_hidden_members_are_never_counted_and_visitors_count_only_public_ones():
    public = make_member(visibility="public", country="IN")
    make_participation(public)
    make_member(visibility="members", country="JP")
    hidden = make_member(visibility="hidden", country="TH")
    make_participation(hidden)
    viewer = make_user("staff")

    visitor = home.club_numbers(None)
    assert (visitor.members, visitor.countries, visitor.participations) == (1, 1, 1)
    member_view = home.club_numbers(viewer)
    assert (member_view.members, member_view.countries, member_view.participations) == (2, 2, 1)


def test_next_events_are_published_upcoming_ones_soonest_first_with_places_left():
    soon = make_event(capacity=2, starts_at=datetime(2031, 3, 1, 18), ends_at=datetime(2031, 3, 1, 21))
    later = make_event(starts_at=datetime(2031, 5, 1, 18), ends_at=datetime(2031, 5, 1, 21))
    make_event(publish=False, title="Draft")
    cancelled = make_event(title="Cancelled")
    cancel_event(cancelled)
    make_event(title="Over", starts_at=datetime(2020, 1, 1, 18), ends_at=datetime(2020, 1, 1, 21))
    rsvc.respond(soon, make_member(), "yes")
    db.session.commit()

    shown = home.next_events(limit=5)
    assert [s.event.id for s in shown] == [soon.id, later.id]
    assert shown[0].places_left == 1 and shown[1].places_left is None


def test_an_invitation_waits_until_the_member_answers_and_only_while_answers_are_open():
    member = make_member()
    other = make_member()
    event = make_event(capacity=5)
    closed = make_event(registration_deadline=datetime(2020, 1, 1))
    for e in (event, closed):
        isvc.queue_invitations(e, isvc.clean_audience({"countries": ["IN"]}))
    db.session.commit()

    [invitation] = home.waiting_invitations(member)
    assert invitation.event.id == event.id and invitation.places_left == 5
    rsvc.respond(event, member, "no")
    db.session.commit()
    assert home.waiting_invitations(member) == []
    assert [i.event.id for i in home.waiting_invitations(other)] == [event.id]


def test_a_cancelled_event_is_no_longer_a_waiting_invitation():
    member = make_member()
    event = make_event()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    cancel_event(event)
    db.session.commit()
    assert home.waiting_invitations(member) == []


def test_my_next_events_are_my_answers_soonest_first_without_withdrawn_or_past_ones():
    member = make_member()
    first = make_event(starts_at=datetime(2031, 3, 1, 18), ends_at=datetime(2031, 3, 1, 21))
    second = make_event(starts_at=datetime(2031, 4, 1, 18), ends_at=datetime(2031, 4, 1, 21))
    withdrawn = make_event()
    past = make_event(starts_at=datetime(2031, 2, 1, 18), ends_at=datetime(2031, 2, 1, 21))
    for e, answer in ((second, "maybe"), (first, "yes"), (withdrawn, "yes"), (past, "yes")):
        rsvc.respond(e, member, answer)
    rsvc.withdraw(rsvc.find_registration(withdrawn, member))
    db.session.commit()

    now = datetime(2031, 2, 15, tzinfo=UTC)
    assert [(r.event.id, r.status.value) for r in home.my_next_events(member, now=now)] == [
        (first.id, "yes"), (second.id, "maybe")]


def test_profile_gaps_name_what_is_missing_and_vanish_once_filled():
    member = make_member(timezone="UTC", visibility="hidden")
    assert home.profile_gaps(member) == ["privacy_notice", "participations", "timezone", "careers",
                                         "native_name", "field", "directory"]
    privacy.accept_notice(member)
    make_participation(member)
    make_career(member)
    membership.update_profile(member, {"timezone": "Asia/Kolkata", "native_name": "प्रिया शर्मा",
                                       "field": "Chemistry", "visibility": "members"})
    db.session.commit()
    db.session.refresh(member)
    assert home.profile_gaps(member) == []


def test_the_privacy_notice_version_is_recorded_at_sign_up_and_an_older_one_is_not_current():
    membership.sign_up("new@example.org", "a long enough passphrase", "Hanako", accept_privacy=True)
    db.session.commit()
    consent = db.session.scalar(select(Consent).where(Consent.kind == ConsentKind.privacy_notice))
    assert consent.version == privacy.NOTICE_VERSION
    member = db.session.get(Member, consent.member_id)
    accepted = privacy.accepted_notice(member)
    assert accepted.version == privacy.NOTICE_VERSION and accepted.is_current

    consent.version = "2020-01-01"
    db.session.commit()
    assert not privacy.accepted_notice(member).is_current
    assert "privacy_notice" in home.profile_gaps(member)
    privacy.accept_notice(member)
    db.session.commit()
    assert privacy.accepted_notice(member).is_current


def test_a_member_who_never_accepted_has_no_acceptance():
    member = make_member()
    assert privacy.accepted_notice(member) is None
    assert privacy.notice_date() is not None


def test_organizers_see_their_chapters_events_with_this_weeks_new_answers():
    mine = make_event("IN", capacity=3)
    organizer = make_user("organizer", chapter="IN")
    draft = make_event("IN", publish=False, title="Draft")
    make_event("TH", title="Someone else's")
    old, fresh = make_member(), make_member()
    rsvc.respond(mine, old, "yes")
    rsvc.respond(mine, fresh, "yes")
    db.session.commit()
    db.session.execute(update(Registration).where(Registration.member_id == old.id)
                       .values(updated_at=datetime.now(UTC) - timedelta(days=10)))
    db.session.commit()

    shown = home.organizer_home(organizer)
    assert {m.event.id for m in shown.events} == {mine.id, draft.id}
    row = next(m for m in shown.events if m.event.id == mine.id)
    assert (row.new_answers, row.yes, row.places_left) == (1, 2, 1)
    assert home.organizer_home(make_user("member")).events == []


def test_staff_see_events_with_new_answers_only():
    staff = make_user("staff")
    make_event("IN", title="Quiet")
    busy = make_event("TH")
    rsvc.respond(busy, make_member(), "maybe")
    db.session.commit()
    assert [m.event.id for m in home.organizer_home(staff).events] == [busy.id]


def test_staff_home_counts_held_addresses_failed_mail_and_says_when_no_worker_runs():
    staff = make_user("staff")
    event = make_event()
    make_member()
    make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.add(MailAddressHold(email="gone@example.org", permanent_failures=2, held=True))
    first = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).first()
    first.status = MailStatus.failed
    db.session.commit()

    shown = home.staff_home(staff)
    assert (shown.held_addresses, shown.failed_mail, shown.queued_mail) == (1, 1, 1)
    assert [(m.event_id, m.failed) for m in shown.failed_mailings] == [(event.id, 1)]
    assert shown.no_mail_worker
    workers.beat("mail", workers.process_name("mail"))
    db.session.commit()
    assert not home.staff_home(staff).no_mail_worker
    assert home.staff_home(make_user("organizer", chapter="IN")) is None  # make_event made IN


def test_mail_waits_for_a_worker_only_when_something_is_queued():
    assert not home.mail_waits_for_worker(0)
    assert home.mail_waits_for_worker(3)
    name = workers.process_name("mail")
    workers.beat("mail", name, now=datetime.now(UTC) - timedelta(minutes=10))
    db.session.commit()
    assert home.mail_waits_for_worker(3)
    workers.beat("mail", name)
    db.session.commit()
    assert not home.mail_waits_for_worker(3)
