"""Capacity under concurrent answers (PostgreSQL): each thread has its own session and
connection, all answer yes at the same moment. The count of taken seats is slowed down, so
that without the event row lock every thread would see free seats and the event would
overflow; with the lock exactly `capacity` get a seat and the rest wait in arrival order."""
import threading
import time

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Event, Member, Registration, RegistrationStatus
from alumni.services import registrations as rsvc
from tests.factories import make_event, make_member

THREADS = 12
CAPACITY = 3


@pytest.fixture
def postgresql_only(is_postgresql):
    if not is_postgresql:
        pytest.skip("needs PostgreSQL row locks (SELECT … FOR UPDATE); SQLite serialises writers itself")


@pytest.mark.postgresql_only
def test_simultaneous_yes_answers_never_overflow_capacity(app, postgresql_only, monkeypatch):
    event_id = make_event(capacity=CAPACITY).id
    member_ids = [make_member().id for _ in range(THREADS)]
    db.session.remove()

    real_count = rsvc.count_taken

    def slow_count(event):
        result = real_count(event)
        time.sleep(0.05)  # widen the window between counting and writing
        return result

    monkeypatch.setattr(rsvc, "count_taken", slow_count)
    barrier = threading.Barrier(THREADS)
    errors = []
    finished_at: dict[int, float] = {}

    def answer(member_id):
        try:
            with app.app_context():  # its own scoped session and connection
                barrier.wait(timeout=10)
                event = db.session.get(Event, event_id)
                member = db.session.get(Member, member_id)
                rsvc.respond(event, member, "yes")
                db.session.commit()
                finished_at[member_id] = time.monotonic()
                db.session.remove()
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(mid,)) for mid in member_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors

    regs = list(db.session.scalars(select(Registration).where(Registration.event_id == event_id)))
    assert len(regs) == THREADS
    seated = [r for r in regs if r.status == RegistrationStatus.yes]
    waiting = sorted((r for r in regs if r.status == RegistrationStatus.waitlisted), key=lambda r: r.waitlist_number)
    assert len(seated) == CAPACITY
    assert len(waiting) == THREADS - CAPACITY
    # Arrival order: the waitlist numbers follow the order in which the answers committed.
    assert [r.waitlist_number for r in waiting] == list(range(1, THREADS - CAPACITY + 1))
    commit_order = [r.member_id for r in sorted(waiting, key=lambda r: finished_at[r.member_id])]
    assert [r.member_id for r in waiting] == commit_order


@pytest.mark.postgresql_only
def test_two_scanners_at_once_record_one_arrival(app, postgresql_only):
    event = make_event(capacity=5)
    event_id = event.id
    reg_id = rsvc.respond(event, make_member(), "yes").registration.id
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(4)
    results = []

    def scan():
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                rsvc.check_in(db.session.get(Registration, reg_id))
                db.session.commit()
                results.append("ok")
            except Exception as exc:  # the Conflict of the second scanner
                db.session.rollback()
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["Conflict", "Conflict", "Conflict", "ok"]
    assert rsvc.summarise(db.session.get(Event, event_id))["checked_in"] == 1


def test_withdrawing_a_registration_promoted_meanwhile_passes_its_seat_on(app):
    """Regression (found by bench/load.py): request A loads a waitlisted registration; before A
    takes the event's lock, request B's withdrawal promotes it. A then withdraws it: the seat it
    now holds must go to the next in line, not stay empty while people wait."""
    event = make_event(capacity=1)
    holder, first, second = make_member(), make_member(), make_member()
    seat = rsvc.respond(event, holder, "yes").registration
    rsvc.respond(event, first, "yes")
    rsvc.respond(event, second, "yes")
    db.session.commit()
    seat_id = seat.id
    stale = db.session.scalar(select(Registration).where(Registration.member_id == first.id))
    assert stale.status == RegistrationStatus.waitlisted  # what request A has in hand

    def request_b():
        with app.app_context():
            rsvc.withdraw(db.session.get(Registration, seat_id))
            db.session.commit()

    thread = threading.Thread(target=request_b)
    thread.start()
    thread.join()
    rsvc.withdraw(stale)  # request A, with its old copy
    db.session.commit()
    statuses = dict(db.session.execute(select(Registration.member_id, Registration.status)).all())
    assert statuses[second.id] == RegistrationStatus.yes
    assert statuses[first.id] == RegistrationStatus.cancelled


def test_answering_again_with_a_stale_copy_reads_the_registration_afresh(app):
    """The same race through respond(): a waitlisted registration promoted by another request,
    then answered "no" by its member; the freed seat goes on."""
    event = make_event(capacity=1)
    holder, first, second = make_member(), make_member(), make_member()
    seat = rsvc.respond(event, holder, "yes").registration
    rsvc.respond(event, first, "yes")
    rsvc.respond(event, second, "yes")
    db.session.commit()
    seat_id = seat.id
    stale = db.session.scalar(select(Registration).where(Registration.member_id == first.id))
    assert stale.status == RegistrationStatus.waitlisted

    def request_b():
        with app.app_context():
            rsvc.withdraw(db.session.get(Registration, seat_id))
            db.session.commit()

    thread = threading.Thread(target=request_b)
    thread.start()
    thread.join()
    rsvc.change_registration(stale, {"response": "no"})
    db.session.commit()
    statuses = dict(db.session.execute(select(Registration.member_id, Registration.status)).all())
    assert statuses[second.id] == RegistrationStatus.yes
    assert statuses[first.id] == RegistrationStatus.no


@pytest.mark.postgresql_only
def test_two_schedulers_at_once_pass_a_lapsed_offer_on_exactly_once(app, postgresql_only, monkeypatch):
    """Issue 22: both schedulers find the expired offer before either has locked the event; the
    second waits for the first's lock, reads again under it and finds nothing left: the offer
    lapses once and the next in line is offered the seat once (one audit entry, one mail)."""
    from datetime import timedelta

    from alumni.models import AuditEntry, MailPurpose, OutgoingMail
    from alumni.models.types import utcnow
    from alumni.services import schedule

    event = make_event(capacity=1, offer_hours=12)
    event_id = event.id
    seated = rsvc.respond(event, make_member(), "yes").registration
    first, second, third = (rsvc.respond(event, make_member(), "yes").registration for _ in range(3))
    db.session.commit()
    rsvc.withdraw(seated)
    first.offer_expires_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    ids = first.id, second.id, third.id
    db.session.remove()

    real_lock = rsvc.lock_event
    barrier = threading.Barrier(2)
    local = threading.local()

    def lock_after_both_looked(event):
        if not getattr(local, "waited", False):  # the first lock of each scheduler's run
            local.waited = True
            barrier.wait(timeout=10)
        return real_lock(event)

    monkeypatch.setattr(rsvc, "lock_event", lock_after_both_looked)
    outcomes, errors = [], []

    def scheduler():
        try:
            with app.app_context():
                outcomes.extend(schedule.run_due({}, tasks=[t for t in schedule.TASKS if t.name == "offers lapse"]))
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(o.summary for o in outcomes) == ["lapsed 0 offers", "lapsed 1 offers"], outcomes
    assert all(o.ok for o in outcomes)

    first, second, third = (db.session.get(Registration, i) for i in ids)
    assert first.status == RegistrationStatus.cancelled
    assert rsvc.offer_open(second) and not rsvc.offer_open(third)
    offered = db.session.scalars(select(AuditEntry.subject_id).where(
        AuditEntry.event_id == event_id, AuditEntry.action == "registration.offered")).all()
    assert sorted(offered) == sorted([first.id, second.id])
    assert db.session.scalars(select(AuditEntry.subject_id).where(
        AuditEntry.action == "registration.offer_lapsed")).all() == [first.id]
    mails = db.session.scalars(select(OutgoingMail.member_id).where(
        OutgoingMail.event_id == event_id, OutgoingMail.purpose == MailPurpose.offer)).all()
    assert sorted(mails) == sorted([first.member_id, second.member_id])
