"""The outbox against a real SMTP server: nothing lost, nothing twice."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import MailAddressHold, MailStatus, OutgoingMail
from alumni.models.types import utcnow
from alumni.services import outbox


def queue(n=1, prefix="test", **extra):
    rows = [{"dedup_key": f"{prefix}:{i}", "kind": "test", "purpose": "account", "recipient": f"alum{i}@example.org",
             "subject": f"Hello {i}", "text_body": "Body", "mailing": prefix, **extra} for i in range(n)]
    result = outbox.queue_many(rows)
    db.session.commit()
    return result


def statuses():
    return dict(db.session.execute(select(OutgoingMail.status, func.count()).group_by(OutgoingMail.status)).all())


def test_queuing_the_same_key_twice_queues_nothing_the_second_time():
    assert queue(3) == (3, 0)
    assert queue(3) == (0, 3)
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 3


def test_delivered_over_smtp_with_headers_and_calendar(smtp):
    outbox.queue_mail(dedup_key="invite:1:1", kind="invite", purpose="invitation", recipient="priya@example.in", subject="招待 ☃",
                      text_body="नमस्ते", html_body="<p>नमस्ते</p>", ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                      ics_method="REQUEST", headers={"List-Unsubscribe": "<http://alumni.test/u/x>",
                                                     "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    db.session.commit()
    report = outbox.deliver_due("w1")
    assert report.sent == 1
    [message] = smtp.messages
    assert message["Subject"] == "招待 ☃"
    row = db.session.scalar(select(OutgoingMail))
    assert message["Message-ID"] == row.message_id and len(message.get_all("Message-ID")) == 1
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert "नमस्ते" in parts["text/plain"].get_content()
    assert row.status == MailStatus.sent and row.sent_at is not None


def test_server_down_keeps_messages_queued_then_they_go(smtp):
    queue(3)
    smtp.stop()
    report = outbox.deliver_due("w1")
    assert report.sent == 0 and report.deferred == 3
    rows = list(db.session.scalars(select(OutgoingMail)))
    assert all(r.status == MailStatus.queued and r.attempts == 1 and r.last_error for r in rows)
    assert outbox.due_count() == 0  # backed off: not due right now
    smtp.start()
    later = utcnow() + timedelta(minutes=5)
    assert outbox.deliver_due("w1", now=later).sent == 3
    assert len(smtp.messages) == 3 and statuses() == {MailStatus.sent: 3}


def test_one_recipient_refused_with_550_the_rest_delivered(smtp):
    smtp.refuse["alum1@example.org"] = "550 5.1.1 No such user"
    queue(3)
    report = outbox.deliver_due("w1")
    assert (report.sent, report.failed) == (2, 1)
    failed = db.session.scalar(select(OutgoingMail).where(OutgoingMail.status == MailStatus.failed))
    assert failed.recipient == "alum1@example.org" and "550" in failed.last_error
    assert sorted(str(m["To"]) for m in smtp.messages) == ["alum0@example.org", "alum2@example.org"]


def test_temporary_refusal_is_retried_later(smtp):
    smtp.refuse["alum0@example.org"] = "450 4.2.1 Mailbox busy"
    queue(1)
    assert outbox.deliver_due("w1").deferred == 1
    smtp.refuse.clear()
    assert outbox.deliver_due("w1", now=utcnow() + timedelta(hours=1)).sent == 1


def test_address_failing_permanently_twice_is_held_and_skipped(smtp):
    smtp.refuse["alum0@example.org"] = "550 No such user"
    queue(1, prefix="first")
    outbox.deliver_due("w1")
    queue(1, prefix="second")
    outbox.deliver_due("w1")
    hold = db.session.get(MailAddressHold, "alum0@example.org")
    assert hold.held and hold.permanent_failures == 2
    assert queue(1, prefix="third") == (0, 1)
    outbox.release_hold("alum0@example.org")
    db.session.commit()
    assert queue(1, prefix="fourth") == (1, 0)


def test_a_dead_workers_claim_is_taken_over_after_the_lease(smtp):
    queue(2)
    claimed = outbox.claim_batch("dead-worker")          # it claims, then dies without sending
    assert len(claimed) == 2
    assert outbox.deliver_due("w2").sent == 0            # still leased
    later = utcnow() + outbox.LEASE + timedelta(seconds=1)
    assert outbox.deliver_due("w2", now=later).sent == 2
    assert len(smtp.messages) == 2


def test_crash_after_send_before_mark_resends_with_the_same_message_id(smtp, monkeypatch):
    queue(1)
    real_mark_sent = outbox._mark_sent
    calls = {"n": 0}

    def crash_once(ids):
        if ids and calls["n"] == 0:
            calls["n"] += 1
            raise KeyboardInterrupt("worker killed between send and mark")
        return real_mark_sent(ids)

    monkeypatch.setattr(outbox, "_mark_sent", crash_once)
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver_due("w1")
    db.session.rollback()
    later = utcnow() + outbox.LEASE + timedelta(seconds=1)
    assert outbox.deliver_due("w2", now=later).sent == 1
    first, second = smtp.messages
    assert first["Message-ID"] == second["Message-ID"]  # at-least-once, recognisably the same


def test_without_mail_server_messages_become_eml_files(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))
    queue(2)
    assert outbox.deliver_due("w1").sent == 2
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and all(name.endswith(".eml") for name in files)


def test_mailing_status_and_retry(smtp):
    smtp.refuse["alum1@example.org"] = "550 No such user"
    queue(3, prefix="invite:9")
    outbox.deliver_due("w1")
    status = outbox.mailing_status("invite:9")
    assert (status["sent"], status["failed"], status["queued"]) == (2, 1, 0)
    assert status["failures"][0]["recipient"] == "alum1@example.org"
    smtp.refuse.clear()
    assert outbox.retry_failed("invite:9") == 1
    db.session.commit()
    outbox.deliver_due("w1")
    assert outbox.mailing_status("invite:9")["sent"] == 3


@pytest.mark.postgresql_only
def test_two_workers_on_postgresql_send_each_message_once(app, smtp, is_postgresql):
    if not is_postgresql:
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite runs one worker")
    queue(300)
    errors = []

    def worker(name):
        try:
            with app.app_context():
                outbox.deliver_due(name, batch_size=20)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    recipients = [str(m["To"]) for m in smtp.messages]
    assert len(recipients) == 300 and len(set(recipients)) == 300
    claimed_by = set(db.session.scalars(select(OutgoingMail.claimed_by)))
    assert claimed_by == {None}
