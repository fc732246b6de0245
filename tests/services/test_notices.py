"""Follow-up mail: reminders, updates, cancellations and seats, each once."""
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from alumni.extensions import db
from alumni.models import OutgoingMail
from alumni.services import events as esvc
from alumni.services import notices, outbox, registrations
from tests.factories import make_event, make_member


def rows(kind=None):
    stmt = select(OutgoingMail).order_by(OutgoingMail.id)
    if kind:
        stmt = stmt.where(OutgoingMail.kind == kind)
    return list(db.session.scalars(stmt))


def answer(event, member, response):
    outcome = registrations.respond(event, member, response)
    db.session.commit()
    return outcome


def utc(local, zone="Asia/Kolkata"):
    return esvc.to_utc(local, zone)


def test_reminders_seven_days_and_one_day_before_to_yes_only_once_each():
    event = make_event()
    yes, maybe, no = make_member(), make_member(), make_member()
    answer(event, yes, "yes")
    answer(event, maybe, "maybe")
    answer(event, no, "no")
    start = utc(event.starts_at)
    assert notices.queue_reminders(start - timedelta(days=10)) == (0, 0)  # too early
    assert notices.queue_reminders(start - timedelta(days=6, hours=20))[0] == 1
    assert notices.queue_reminders(start - timedelta(days=6)) == (0, 1)  # the same reminder: once
    assert notices.queue_reminders(start - timedelta(hours=20))[0] == 1
    assert notices.queue_reminders(start - timedelta(hours=2)) == (0, 1)
    assert notices.queue_reminders(start + timedelta(hours=1)) == (0, 0)  # started
    db.session.commit()
    sent = rows("reminder")
    assert [r.recipient for r in sent] == [yes.email, yes.email]
    assert [r.dedup_key for r in sent] == [f"reminder:7d:{event.id}:{yes.id}", f"reminder:1d:{event.id}:{yes.id}"]
    assert "tomorrow" in sent[1].text_body


def test_remind_command_queues_due_reminders_once(runner):
    soon = (datetime.now(UTC) + timedelta(days=3)).astimezone(timezone(timedelta(hours=5, minutes=30)))
    local = soon.replace(tzinfo=None, microsecond=0, second=0)
    event = make_event(starts_at=local, ends_at=local + timedelta(hours=2))
    answer(event, make_member(), "yes")
    result = runner.invoke(args=["events", "remind"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("queued 1, skipped 0")
    result = runner.invoke(args=["events", "remind"])
    assert result.output.strip().endswith("queued 0, skipped 1")
    assert len(rows("reminder")) == 1


def test_changing_time_or_place_sends_an_update_with_the_higher_sequence_once_per_change(smtp):
    event = make_event()
    yes, maybe, no = make_member(preferred_language="ja"), make_member(), make_member()
    answer(event, yes, "yes")
    answer(event, maybe, "maybe")
    answer(event, no, "no")
    esvc.update_event(event, {"title": "A new title only"})  # not time or place: no mail
    db.session.commit()
    assert rows("update") == []
    esvc.update_event(event, {"venue": "Taj Palace, New Delhi"})
    db.session.commit()
    first = event.sequence
    assert notices.queue_event_update(event) == (0, 2)  # already queued for this sequence
    assert outbox.deliver_due("w").sent == 2
    esvc.update_event(event, {"starts_at": event.starts_at + timedelta(hours=1),
                              "ends_at": event.ends_at + timedelta(hours=1)})
    db.session.commit()
    updates = rows("update")
    assert sorted(r.recipient for r in updates) == sorted([yes.email, maybe.email] * 2)
    assert {r.dedup_key.split(":")[2] for r in updates} == {str(first), str(event.sequence)}
    assert outbox.deliver_due("w").sent == 2
    assert len(smtp.messages) == 4
    latest = [m for m in smtp.messages if f"SEQUENCE:{event.sequence}" in _ics(m)]
    assert len(latest) == 2
    for message in latest:
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == "REQUEST" and "METHOD:REQUEST" in _ics(message)
        assert "Taj Palace" in _ics(message).replace("\r\n ", "")


def _ics(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    content = part.get_content()
    return content if isinstance(content, str) else content.decode()


def test_cancelling_sends_a_cancel_to_those_registered(smtp):
    event = make_event(capacity=1)
    yes, waiting, no = make_member(), make_member(), make_member()
    answer(event, yes, "yes")
    answer(event, waiting, "yes")  # waitlisted
    answer(event, no, "no")
    esvc.cancel_event(event)
    db.session.commit()
    assert sorted(r.recipient for r in rows("cancellation")) == sorted([yes.email, waiting.email])
    assert notices.queue_event_cancellation(event) == (0, 2)
    outbox.deliver_due("w")
    assert len(smtp.messages) == 2
    for message in smtp.messages:
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == "CANCEL"
        assert "METHOD:CANCEL" in _ics(message) and "STATUS:CANCELLED" in _ics(message)


def test_a_waitlist_promotion_sends_you_have_a_seat(smtp):
    event = make_event(capacity=1)
    first, second = make_member(), make_member(preferred_language="hi")
    answer(event, first, "yes")
    answer(event, second, "yes")
    outcome = registrations.withdraw(registrations.find_registration(event, first))
    db.session.commit()
    assert [r.member_id for r in outcome.promoted] == [second.id]
    [notice] = rows("promotion")
    assert notice.recipient == second.email and notice.language == "hi"
    outbox.deliver_due("w")
    [message] = smtp.messages
    from flask_babel import force_locale, gettext

    with force_locale("hi"):
        expected = gettext("You have a seat: %(title)s", title=event.title)
    assert message["Subject"] == expected and message["Content-Language"] == "hi"


def test_mail_follows_a_change_once_however_often_the_app_is_made(app):
    """The receivers connect when their module is imported, not per app: making more apps
    (and importing the module again) never queues a mail twice."""
    import importlib

    from alumni import create_app

    create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    importlib.import_module("alumni.services.notices")
    event = make_event()
    member = make_member()
    answer(event, member, "yes")
    esvc.cancel_event(event)
    db.session.commit()
    assert [m.recipient for m in rows("cancellation")] == [member.email]


def test_unsent_invitations_are_rendered_again_after_a_change_and_withdrawn_on_cancel():
    from alumni.services import invitations as isvc

    event = make_event(venue="Old hall")
    invited, registered = make_member(), make_member()
    answer(event, registered, "yes")
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.commit()
    esvc.update_event(event, {"venue": "New hall"})
    db.session.commit()
    invitations = rows("invitation")
    assert sorted(r.recipient for r in invitations) == sorted([invited.email, registered.email])
    assert all("New hall" in r.text_body and f"SEQUENCE:{event.sequence}" in r.ics for r in invitations)
    assert isvc.queue_invitations(event, isvc.clean_audience({})) == (0, 2)  # still once each
    esvc.cancel_event(event)
    db.session.commit()
    assert rows("invitation") == [] and rows("update") == []
    assert [r.recipient for r in rows("cancellation")] == [registered.email]


def test_sent_invitations_stay_and_are_not_sent_again_after_a_change(smtp):
    from alumni.services import invitations as isvc

    event = make_event()
    make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.commit()
    outbox.deliver_due("w")
    esvc.update_event(event, {"venue": "New hall"})
    db.session.commit()
    assert outbox.deliver_due("w").sent == 0  # not registered: no update; the invitation went already
    assert len(smtp.messages) == 1


def test_unsubscribing_or_deleting_the_account_withdraws_unsent_mail():
    from alumni.services import invitations as isvc
    from alumni.services import members as msvc

    event = make_event()
    leaving, deleted, staying = make_member(), make_member(), make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.commit()
    isvc.unsubscribe(leaving)
    msvc.delete_member(deleted)
    db.session.commit()
    assert [r.recipient for r in rows("invitation")] == [staying.email]


def test_an_unsent_update_is_replaced_by_the_next_one():
    event = make_event()
    answer(event, make_member(), "yes")
    esvc.update_event(event, {"venue": "Hall A"})
    esvc.update_event(event, {"venue": "Hall B"})
    db.session.commit()
    [update] = rows("update")
    assert update.dedup_key.split(":")[2] == str(event.sequence) and "Hall B" in update.text_body


def test_a_message_in_a_workers_hands_is_not_withdrawn_or_rendered_twice():
    from alumni.services import invitations as isvc

    event = make_event()
    make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.commit()
    assert len(outbox.claim_batch("busy-worker")) == 1  # being sent right now
    esvc.update_event(event, {"venue": "Elsewhere"})
    db.session.commit()
    [invitation] = rows("invitation")
    assert invitation.claimed_by == "busy-worker" and "Elsewhere" not in invitation.text_body


ROOM = "https://meet.example.org/room-for-seats"


def _carries_link(row) -> bool:
    return any(ROOM in (part or "").replace("\r\n ", "") for part in (row.text_body, row.html_body, row.ics))


def test_the_online_link_goes_only_to_those_with_a_seat():
    """Invitations (to everyone) and mail to maybes carry no link; reminders, seat notices and
    the updates to yes-registrations carry it, in the text, the HTML and the .ics."""
    from alumni.services import invitations as isvc

    event = make_event(capacity=1, online_url=ROOM)
    yes, maybe, waiting = make_member(), make_member(), make_member()
    make_member()  # invited only
    answer(event, yes, "yes")
    answer(event, maybe, "maybe")
    answer(event, waiting, "yes")  # full: the waitlist
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.commit()
    assert rows("invitation") and not any(_carries_link(r) for r in rows("invitation"))
    esvc.update_event(event, {"venue": "Taj Palace, New Delhi"})  # withdraws unsent reminders: first
    db.session.commit()
    notices.queue_reminders(utc(event.starts_at) - timedelta(hours=20))
    db.session.commit()
    updates = {r.recipient: _carries_link(r) for r in rows("update")}
    assert updates == {yes.email: True, maybe.email: False}
    assert [(r.recipient, _carries_link(r)) for r in rows("reminder")] == [(yes.email, True)]
    registrations.withdraw(registrations.find_registration(event, yes))
    db.session.commit()
    [promotion] = rows("promotion")
    assert promotion.recipient == waiting.email and _carries_link(promotion)
