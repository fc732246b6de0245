"""The mail worker (issue 23, item 9): short, renewed claims; at-least-once with the same
Message-ID; it survives a lost database connection; deleted people leave nothing in the outbox."""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import MailAddressHold, MailRequest, MailStatus, OutgoingMail
from alumni.models.types import utcnow
from alumni.services import mail_worker, outbox
from tests.factories import make_account, make_member, make_token, make_user


def queue(n=1, prefix="w", **extra):
    rows = [{"dedup_key": f"{prefix}:{i}", "kind": "test", "purpose": "account", "recipient": f"{prefix}{i}@example.org",
             "subject": f"Hello {i}", "text_body": "Body", "mailing": prefix, **extra} for i in range(n)]
    result = outbox.queue_many(rows)
    db.session.commit()
    return result


# --- (b) a short lease, renewed while the worker lives ---------------------------------------


def test_a_dead_workers_messages_move_on_within_a_minute(smtp):
    queue(3)
    now = utcnow()
    assert len(outbox.claim_batch("dead-worker", now=now)) == 3  # claims, then is killed
    assert outbox.deliver_due("w2", now=now + timedelta(seconds=5)).sent == 0  # still its own
    # The lease plus a worker's poll (5 s) stays under a minute.
    assert outbox.LEASE + timedelta(seconds=5) < timedelta(seconds=60)
    assert outbox.deliver_due("w2", now=now + outbox.LEASE + timedelta(seconds=1)).sent == 3
    assert len(smtp.messages) == 3


def test_a_live_worker_renews_its_claim_however_long_its_batch_takes(smtp, monkeypatch):
    queue(12)
    clock = {"t": 1000.0}
    monkeypatch.setattr(outbox, "_clock", lambda: clock["t"])
    now = utcnow()
    ids = outbox.claim_batch("w1", now=now)
    taken_by_w2 = []

    def slow_send(_n):
        clock["t"] += 8  # 12 messages × 8 s: the batch takes three times the lease
        taken_by_w2.extend(outbox.claim_batch("w2", now=now + timedelta(seconds=clock["t"] - 1000)))

    report = outbox.deliver_batch(ids, now=now, on_progress=slow_send, worker="w1")
    assert report.sent == 12 and taken_by_w2 == []  # renewed as it went: never lapsed
    assert len(smtp.messages) == 12


def test_a_message_taken_over_during_a_very_slow_send_is_left_to_the_other_worker(smtp, monkeypatch):
    queue(2)
    clock = {"t": 0.0}
    monkeypatch.setattr(outbox, "_clock", lambda: clock["t"])
    now = utcnow()
    ids = outbox.claim_batch("w1", now=now)

    def stuck_then_taken_over(_n):
        clock["t"] += 60  # one send hung past the lease, and another worker claimed the rest
        outbox.claim_batch("w2", now=now + timedelta(seconds=61))

    assert outbox.deliver_batch(ids, now=now, on_progress=stuck_then_taken_over, worker="w1").sent == 1
    assert outbox.deliver_due("w2", now=now + timedelta(seconds=200)).sent == 1
    assert len(smtp.messages) == 2  # each once


# --- (c) at-least-once, with the same Message-ID ---------------------------------------------


def test_a_worker_killed_between_send_and_mark_re_sends_with_the_same_message_ids(smtp, monkeypatch):
    """Killed after sending some of its batch but before writing that down: another worker sends
    them again within a minute, with the very same Message-IDs, and then the rest; nothing lost."""
    queue(outbox.MARK_EVERY + 10)
    real_mark_sent = outbox._mark_sent

    def killed(ids):
        if ids:
            raise KeyboardInterrupt("SIGKILL between send and mark")
        return real_mark_sent(ids)

    monkeypatch.setattr(outbox, "_mark_sent", killed)
    with pytest.raises(KeyboardInterrupt):
        outbox.deliver_due("w1")
    db.session.rollback()
    monkeypatch.setattr(outbox, "_mark_sent", real_mark_sent)
    first_round = [m["Message-ID"] for m in smtp.messages]
    assert len(first_round) == outbox.MARK_EVERY
    assert outbox.deliver_due("w2", now=utcnow() + timedelta(seconds=59)).sent == outbox.MARK_EVERY + 10
    ids = [m["Message-ID"] for m in smtp.messages]
    stored = set(db.session.scalars(select(OutgoingMail.message_id)))
    assert set(ids) == stored  # every message arrived, under its stored Message-ID
    assert sorted(ids[len(first_round):len(first_round) * 2]) == sorted(first_round)  # re-sent: same IDs
    assert len(ids) - len(set(ids)) <= outbox.MARK_EVERY  # at most one marking group twice


# --- (a) the worker survives a lost database connection ---------------------------------------


def test_the_worker_loop_survives_database_errors_and_backs_off(smtp, monkeypatch, caplog):
    queue(2)
    real_claim = outbox.claim_batch
    failures = {"left": 2}

    def flaky_claim(*args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise sa.exc.OperationalError("SELECT …", {}, Exception("terminating connection due to administrator command"))
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim_batch", flaky_claim)
    waits: list[float] = []
    reports = []
    with caplog.at_level(logging.WARNING, logger="alumni.services.mail_worker"):
        mail_worker.run("mail:test", poll=1.0, wait=waits.append, should_stop=lambda: len(waits) >= 3,
                        on_report=reports.append)
    assert waits == [1.0, 2.0, 1.0]  # backed off (doubling), then the normal poll again
    assert sum(r.sent for r in reports) == 2 and len(smtp.messages) == 2
    assert "look at the outbox failed" in caplog.text and "answers again after 2" in caplog.text
    from alumni.models import WorkerHeartbeat

    assert db.session.scalar(select(WorkerHeartbeat)) is None  # a clean stop removes its heartbeat


def test_after_a_failed_batch_the_worker_sends_its_messages_without_waiting_out_the_lease(smtp, monkeypatch):
    queue(3)
    real_batch = outbox.deliver_batch
    failures = {"left": 1}

    def connection_lost_mid_batch(*args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise sa.exc.OperationalError("UPDATE …", {}, Exception("server closed the connection unexpectedly"))
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(outbox, "deliver_batch", connection_lost_mid_batch)
    waits: list[float] = []
    mail_worker.run("mail:test", poll=1.0, wait=waits.append, should_stop=lambda: len(waits) >= 2)
    assert len(smtp.messages) == 3  # its own stale claims given back at the next look


def test_the_worker_beats_while_it_works(smtp):
    from alumni.services import workers

    queue(5)
    seen = []
    mail_worker.run("mail:test-beat", poll=0.01, wait=lambda _s: seen.append(workers.is_alive("mail")),
                    should_stop=lambda: bool(seen), batch_size=2)
    assert seen == [True] and len(smtp.messages) == 5


@pytest.mark.postgresql_only
def test_the_worker_survives_its_connections_being_terminated(app, smtp, is_postgresql):
    """pg_terminate_backend on the worker's connections, again and again while it sends: it
    logs, backs off, reconnects and delivers everything."""
    if not is_postgresql:
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    backends: set[int] = set()
    stop = threading.Event()
    errors: list[BaseException] = []

    def note_backend(dbapi_connection, _record, _proxy):
        if threading.current_thread().name == "mail-worker":
            backends.add(dbapi_connection.info.backend_pid)

    sa.event.listen(db.engine, "checkout", note_backend)

    def work():
        try:
            with app.app_context():
                mail_worker.run("mail:pg-test", poll=0.05, max_backoff=0.2, should_stop=stop.is_set, wait=stop.wait,
                                batch_size=5)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=work, name="mail-worker", daemon=True)
    try:
        queue(10, prefix="before")
        worker.start()
        deadline = time.monotonic() + 20
        while len(smtp.messages) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(smtp.messages) == 10
        killer = sa.create_engine(db.engine.url)
        with killer.connect() as conn:
            for i in range(30):  # terminate whatever the worker holds, at random points of its work
                if i % 3 == 0:
                    queue(5, prefix=f"during{i}")
                for pid in list(backends):
                    conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                conn.commit()
                time.sleep(0.03)
        killer.dispose()
        queue(10, prefix="after")
        # Within a few seconds, not after the lease: the worker gives back its failed look's claims.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            left = db.session.scalar(select(sa.func.count(OutgoingMail.id)).where(OutgoingMail.status != MailStatus.sent))
            db.session.commit()
            if not left:
                break
            time.sleep(0.1)
        assert left == 0 and worker.is_alive()
        received = {m["Message-ID"] for m in smtp.messages}
        assert received == set(db.session.scalars(select(OutgoingMail.message_id)))  # all, at least once
    finally:
        stop.set()
        worker.join(10)
        sa.event.remove(db.engine, "checkout", note_backend)
    assert not errors and not worker.is_alive()


# --- (d) a deleted account or member leaves nothing in the outbox -----------------------------


def _rows_mentioning(*needles: str) -> list:
    rows = db.session.execute(select(OutgoingMail)).scalars().all()
    texts = [" ".join(str(getattr(r, c.key)) for c in OutgoingMail.__table__.columns) for r in rows]
    return [t for t in texts if any(n in t for n in needles)]


def _mail_to(member, n: int, prefix: str) -> None:
    outbox.queue_many([{"dedup_key": f"{prefix}:{member.id}:{i}", "kind": "invitation", "purpose": "invitation",
                        "recipient": member.email,
                        "member_id": member.id, "mailing": prefix, "subject": f"For {member.family_name}",
                        "text_body": f"Dear {member.given_name} {member.family_name}",
                        "html_body": f"<p>Dear {member.family_name}</p>", "headers": {"X-To": member.email}}
                       for i in range(n)])
    db.session.commit()


def test_deleting_my_account_removes_my_address_and_name_from_the_outbox(smtp):
    from alumni.services import membership

    user = make_account("aiko@example.org", given_name="Aiko", family_name="Tanakawa")
    member = user.member
    _mail_to(member, 2, "sent")
    outbox.deliver_due("w")
    _mail_to(member, 1, "waiting")
    db.session.add(MailAddressHold(email="aiko@example.org", permanent_failures=1))
    db.session.add(MailRequest(kind="password-link", email="aiko@example.org"))
    db.session.commit()
    assert _rows_mentioning("aiko@example.org", "Tanakawa")
    membership.delete_account(user, "a long enough passphrase")
    db.session.commit()
    assert _rows_mentioning("aiko@example.org", "Tanakawa") == []
    assert outbox.mailing_status("sent")["sent"] == 2  # the counts stay right
    assert outbox.mailing_status("waiting")["queued"] == 0  # nothing more goes to them
    assert db.session.scalar(select(sa.func.count()).select_from(MailAddressHold)) == 0
    assert db.session.scalar(select(sa.func.count()).select_from(MailRequest)) == 0


def test_staff_deleting_a_member_removes_their_mail_too(api, smtp):
    member = make_member(email="kwame@example.gh", given_name="Kwame", family_name="Mensahson")
    other = make_member(email="other@example.org", family_name="Otherson")
    _mail_to(member, 1, "sent")
    _mail_to(other, 1, "sent")
    outbox.deliver_due("w")
    _mail_to(member, 1, "waiting")
    token = make_token(make_user("staff"))
    assert api.delete(f"/members/{member.id}", token=token).status_code == 204
    assert _rows_mentioning("kwame@example.gh", "Mensahson") == []
    assert len(_rows_mentioning("other@example.org", "Otherson")) == 1  # nobody else's
