"""The outbox and its delivery.

Queuing writes rows in the caller's transaction (mail leaves only after the change commits).
Delivery claims a batch of due rows (FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers on
several machines share the outbox), sends them over one SMTP connection, and marks each result
in small groups (MARK_EVERY) as they are sent: a crash between send and mark re-sends those
messages later with the same Message-ID (at-least-once, never a different Message-ID). A claim
is a short lease (LEASE, 30 s) that a live worker renews while it sends (every LEASE / 3), so the
messages of a worker that died move on to another within LEASE plus one poll.
"""
from __future__ import annotations

import email.policy
import logging
import smtplib
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import Header
from pathlib import Path
from typing import Any, NotRequired, TypedDict, Unpack, cast

from flask import current_app
from flask_mail import Connection, Message
from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult, Row

from alumni.extensions import db, mail
from alumni.models import MailAddressHold, MailPurpose, MailRequest, MailStatus, OutgoingMail
from alumni.models.types import utcnow
from alumni.signals import mail_failed, mail_queued, mail_sent

log = logging.getLogger(__name__)

BATCH_SIZE = 100
#: How long a claim holds without renewal; a live worker renews it every third of it.
LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 8
#: Permanent failures after which an address is put on hold.
HOLD_AFTER = 2


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@sakura-alumni>"


# --- queuing -------------------------------------------------------------------------------


def held_addresses(emails: Iterable[str]) -> set[str]:
    emails = list(emails)
    held: set[str] = set()
    for start in range(0, len(emails), 1000):
        chunk = emails[start:start + 1000]
        held.update(db.session.scalars(
            select(MailAddressHold.email).where(MailAddressHold.held, MailAddressHold.email.in_(chunk))))
    return held


class OutboxRow(TypedDict):
    """One message to queue. The key (alumni.services.mail_keys) makes it go once; event_id,
    member_id and purpose are what the message is about, for the queries that need them."""

    dedup_key: str
    kind: str
    purpose: MailPurpose
    recipient: str
    subject: str
    text_body: str
    html_body: NotRequired[str | None]
    ics: NotRequired[str | None]
    ics_method: NotRequired[str | None]
    headers: NotRequired[dict[str, str]]
    language: NotRequired[str]
    member_id: NotRequired[int | None]
    event_id: NotRequired[int | None]
    mailing: NotRequired[str]


def queue_many(rows: list[OutboxRow]) -> tuple[int, int]:
    """Queue messages. A key already queued (now or ever) and a held address are skipped.
    Answers (queued, skipped)."""
    if not rows:
        return 0, 0
    unique: dict[str, OutboxRow] = {}
    for row in rows:
        unique.setdefault(row["dedup_key"], row)
    keys = list(unique)
    existing: set[str] = set()
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        existing.update(db.session.scalars(select(OutgoingMail.dedup_key).where(OutgoingMail.dedup_key.in_(chunk))))
    held = held_addresses({row["recipient"] for row in unique.values()})
    now = utcnow()
    fresh = [
        {"mailing": "", "language": "en", "headers": {}, "html_body": None, "ics": None, "ics_method": None,
         "member_id": None, "event_id": None, **row, "message_id": new_message_id(), "status": MailStatus.queued,
         "attempts": 0, "next_attempt_at": now, "created_at": now}
        for key, row in unique.items() if key not in existing and row["recipient"] not in held
    ]
    for start in range(0, len(fresh), 1000):
        db.session.execute(insert(OutgoingMail), fresh[start:start + 1000])
    if fresh:
        mail_queued.send(None, count=len(fresh))
    return len(fresh), len(rows) - len(fresh)


def queue_message(**row: Unpack[OutboxRow]) -> int | None:
    """Queue one message and answer its outbox id (None if skipped: key used or address held)."""
    if queue_mail(**row):
        return db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.dedup_key == row["dedup_key"]))
    return None


def queue_mail(**row: Unpack[OutboxRow]) -> bool:
    """Queue one message; False where its dedup_key was queued before or the address is held."""
    queued, _skipped = queue_many([row])
    return queued == 1


# --- delivery ------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.deferred += other.deferred
        self.errors.extend(other.errors)


def release_claims(worker: str) -> None:
    """Give back every claim `worker` holds (it calls this when it is not sending: after a failed
    look, its claims are stale, and its messages need not wait out the lease). What it sent but
    could not mark goes again, with the same Message-ID. Commits."""
    db.session.execute(update(OutgoingMail).where(
        OutgoingMail.claimed_by == worker, OutgoingMail.status == MailStatus.queued)
        .values(claimed_until=None, claimed_by=None))
    db.session.commit()


class _TimeoutConnection(Connection):
    """Flask-Mail's connection, with a timeout (Flask-Mail passes none to smtplib)."""

    def configure_host(self) -> smtplib.SMTP:
        cls = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = cls(self.mail.server, self.mail.port, timeout=current_app.config["MAIL_TIMEOUT"])
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (OutgoingMail.status == MailStatus.queued, OutgoingMail.next_attempt_at <= now,
            or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now))


def due_count(now: datetime | None = None) -> int:
    return db.session.scalar(select(func.count(OutgoingMail.id)).where(*_due(now or utcnow()))) or 0


def claim_batch(worker: str, size: int = BATCH_SIZE, *, now: datetime | None = None,
                lease: timedelta = LEASE) -> list[int]:
    """Claim up to `size` due messages for `worker` and commit the claim; answers their ids."""
    now = now or utcnow()
    stmt = select(OutgoingMail.id).where(*_due(now)).order_by(OutgoingMail.id).limit(size)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(stmt))
    if ids:
        db.session.execute(update(OutgoingMail).where(OutgoingMail.id.in_(ids))
                           .values(claimed_until=now + lease, claimed_by=worker))
    db.session.commit()
    return ids


class _Message(Message):
    """Flask-Mail's message, rendered with the compat32 policy: the same MIME, several times
    faster than policy.SMTP's header refolding (which dominated delivery time)."""

    def as_bytes(self) -> bytes:
        mime = self._message()
        mime.policy = _RENDER_POLICY
        if self.subject and not self.subject.isascii():
            # A Header object folds as RFC 2047 words on the Subject line itself; Flask-Mail's
            # pre-encoded string would start on a continuation line (a leading space when read).
            del mime["Subject"]
            # email accepts a Header object here; typeshed only allows str.
            mime["Subject"] = Header(self.subject, "utf-8")  # type: ignore[assignment]
        return mime.as_bytes()


_RENDER_POLICY = email.policy.compat32.clone(linesep="\r\n")


def build_message(row: MailRow) -> Message:
    msg = _Message(subject=row.subject, recipients=[row.recipient], body=row.text_body, html=row.html_body,
                  sender=current_app.config["MAIL_DEFAULT_SENDER"], extra_headers=dict(row.headers or {}))
    msg.msgId = row.message_id  # stable across re-sends; an extra header would add a second Message-ID
    if row.ics:
        method = row.ics_method or "PUBLISH"
        msg.attach("invite.ics" if method != "CANCEL" else "cancel.ics",
                   f"text/calendar; method={method}; charset=UTF-8", row.ics.encode("utf-8"))
    return msg


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _mark(row_id: int, **values: object) -> None:
    db.session.execute(update(OutgoingMail).where(OutgoingMail.id == row_id)
                       .values(claimed_until=None, claimed_by=None, **values))
    db.session.commit()


def _defer(row: MailRow, reason: str, now: datetime, report: DeliveryReport) -> None:
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _mark(row.id, attempts=attempts, status=MailStatus.failed, last_error=f"gave up: {reason}")
        mail_failed.send(None, id=row.id, reason=reason)
        report.failed += 1
    else:
        _mark(row.id, attempts=attempts, next_attempt_at=now + _backoff(attempts), last_error=reason)
        report.deferred += 1


def _fail_permanently(row: MailRow, reason: str, report: DeliveryReport) -> None:
    _mark(row.id, attempts=row.attempts + 1, status=MailStatus.failed, last_error=reason)
    hold = db.session.get(MailAddressHold, row.recipient) or MailAddressHold(email=row.recipient, permanent_failures=0)
    hold.permanent_failures += 1
    hold.last_error = reason
    hold.held = hold.permanent_failures >= HOLD_AFTER
    db.session.add(hold)
    db.session.commit()
    mail_failed.send(None, id=row.id, reason=reason)
    report.failed += 1
    report.errors.append(f"{row.recipient}: {reason}")


def _settle_refusal(row: MailRow, code: int, text: bytes | str, now: datetime, report: DeliveryReport) -> None:
    """The server refused this message: 5xx is final for it, 4xx is tried again later."""
    reason = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if code >= 500:
        _fail_permanently(row, reason, report)
    else:
        _defer(row, reason, now, report)


def _write_eml(row: MailRow) -> None:
    folder = Path(current_app.config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{row.id:08d}-{row.kind}.eml").write_bytes(build_message(row).as_bytes())


#: Results are written in groups this size: a crash re-sends at most this many (same Message-IDs).
MARK_EVERY = 25
#: One outbox row as delivery reads it (the columns of _ROW_COLUMNS, read by name).
MailRow = Row[int, str, str, str, str, str | None, str | None, str | None, dict[str, str], str, int]
#: Called with the number of messages just handled (a worker's heartbeat).
Progress = Callable[[int], object]
_ROW_COLUMNS = (OutgoingMail.id, OutgoingMail.kind, OutgoingMail.recipient, OutgoingMail.subject,
                OutgoingMail.text_body, OutgoingMail.html_body, OutgoingMail.ics, OutgoingMail.ics_method,
                OutgoingMail.headers, OutgoingMail.message_id, OutgoingMail.attempts)


def _mark_sent(ids: list[int]) -> None:
    if ids:
        db.session.execute(update(OutgoingMail).where(OutgoingMail.id.in_(ids)).values(
            status=MailStatus.sent, sent_at=utcnow(), attempts=OutgoingMail.attempts + 1, last_error=None,
            claimed_until=None, claimed_by=None))
        db.session.commit()
        mail_sent.send(None, ids=list(ids))
        ids.clear()


#: The clock lease renewal reads (a test may move it on).
_clock = time.monotonic


class _Lease:
    """A worker's claim on the messages of its batch, renewed every third of `lease` while it
    sends (called before each message): a live worker keeps its claim however long the batch
    takes; one that died loses it `lease` after its last renewal. A message another worker has
    taken meanwhile (this one's lease ran out during a very slow send) is dropped from the batch:
    the other worker sends it."""

    def __init__(self, worker: str | None, lease: timedelta, now: datetime):
        self.worker, self.lease, self.now = worker, lease, now
        self.started = self.renewed = _clock()

    def renew_if_due(self, pending: list[MailRow], sent: list[int]) -> list[MailRow]:
        """Renew the claim on what is still to send and on what was sent but not yet marked (a
        lapsed claim on those would let another worker send them again); answers `pending`
        without what another worker has taken."""
        if self.worker is None or not pending or _clock() - self.renewed < self.lease.total_seconds() / 3:
            return pending
        self.renewed = _clock()
        until = self.now + timedelta(seconds=self.renewed - self.started) + self.lease
        ids = [row.id for row in pending]
        mine = (OutgoingMail.claimed_by == self.worker, OutgoingMail.status == MailStatus.queued)
        db.session.execute(update(OutgoingMail).where(OutgoingMail.id.in_(ids + sent), *mine)
                           .values(claimed_until=until))
        still_mine = set(db.session.scalars(select(OutgoingMail.id).where(OutgoingMail.id.in_(ids), *mine)))
        db.session.commit()
        if len(still_mine) < len(ids):
            log.warning("%d message(s) of this batch were taken by another worker", len(ids) - len(still_mine))
        return [row for row in pending if row.id in still_mine]


@dataclass
class _Batch:
    """What one delivery batch is working through: the rows still to send (front first), the ids
    sent but not yet marked, the claim it renews and the report it fills."""

    pending: list[MailRow]
    claim: _Lease
    now: datetime
    on_progress: Progress | None
    report: DeliveryReport = field(default_factory=DeliveryReport)
    sent: list[int] = field(default_factory=list)

    def renew(self) -> bool:
        """Renew the claim if due; True while something of this batch is still ours to send."""
        self.pending = self.claim.renew_if_due(self.pending, self.sent)
        return bool(self.pending)

    def record_sent(self, row: MailRow) -> None:
        self.sent.append(row.id)
        self.report.sent += 1

    def done_with_first(self) -> None:
        self.pending.pop(0)
        if self.on_progress:
            self.on_progress(1)


def deliver_batch(ids: list[int], *, now: datetime | None = None, on_progress: Progress | None = None,
                  worker: str | None = None, lease: timedelta = LEASE) -> DeliveryReport:
    """Send the claimed messages over one SMTP connection (or to .eml files without MAIL_SERVER).
    With `worker` (the claim's owner), the claim is renewed while the batch is sent."""
    now = now or utcnow()
    # Plain rows, not ORM objects: nothing to refresh after each commit.
    result = db.session.execute(select(*_ROW_COLUMNS).where(OutgoingMail.id.in_(ids)).order_by(OutgoingMail.id))
    # select()'s typed overloads stop at ten columns; the eleventh (attempts) is an int too.
    rows = cast("list[MailRow]", list(result.all()))
    batch = _Batch(pending=rows, claim=_Lease(worker, lease, now), now=now, on_progress=on_progress)
    try:
        if current_app.config.get("MAIL_SERVER"):
            _send_over_smtp(batch)
        else:
            _write_files(batch)
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        _interrupted(batch, exc)
    return batch.report


def _write_files(batch: _Batch) -> None:
    """No MAIL_SERVER (development): each message becomes an .eml file."""
    while batch.renew():
        _write_eml(batch.pending[0])
        batch.record_sent(batch.pending[0])
        batch.done_with_first()
    _mark_sent(batch.sent)


def _send_over_smtp(batch: _Batch) -> None:
    # Settings read at each batch: a changed configuration needs no restart.
    state = mail.init_mail(current_app.config, current_app.debug, testing=False)
    # Flask-Mail types Connection(mail: Mail), but its own connect() passes this state object too.
    with _TimeoutConnection(state) as conn:  # type: ignore[arg-type]
        while batch.renew():
            row = batch.pending[0]
            if _send(conn, row, batch):
                batch.record_sent(row)
                if len(batch.sent) >= MARK_EVERY:
                    _mark_sent(batch.sent)
            batch.done_with_first()
        _mark_sent(batch.sent)


def _send(conn: Connection, row: MailRow, batch: _Batch) -> bool:
    """Send one message; True if it went. A refusal of this message settles it (final or later)
    and answers False; the errors that end the whole batch (our sender refused, the server gone)
    propagate."""
    try:
        conn.send(build_message(row))
    except smtplib.SMTPRecipientsRefused as exc:
        _mark_sent(batch.sent)
        code, text = next(iter(exc.recipients.values()))
        _settle_refusal(row, code, text, batch.now, batch.report)
    except smtplib.SMTPSenderRefused:
        raise  # our own address: nothing in this batch can go; retried later
    except smtplib.SMTPResponseException as exc:
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            raise
        _mark_sent(batch.sent)
        _settle_refusal(row, exc.smtp_code, exc.smtp_error, batch.now, batch.report)
    else:
        return True
    return False


def _interrupted(batch: _Batch, exc: Exception) -> None:
    """The server went away: what was sent is marked, the rest waits for the next attempt."""
    reason = f"{type(exc).__name__}: {exc}"
    log.warning("SMTP delivery interrupted, %d message(s) deferred: %s", len(batch.pending), reason)
    db.session.rollback()
    _mark_sent(batch.sent)
    for row in batch.pending:
        _defer(row, reason, batch.now, batch.report)
    batch.report.errors.append(reason)


def deliver_due(worker: str | None = None, *, batch_size: int = BATCH_SIZE, now: datetime | None = None,
                on_progress: Progress | None = None, max_batches: int | None = None, lease: timedelta = LEASE,
                between_batches: Callable[[], bool] | None = None) -> DeliveryReport:
    """Drain what is due now, batch after batch; answers what happened. `between_batches` (the
    worker's heartbeat) runs after each batch; answering False stops the drain there."""
    worker = worker or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
    total = DeliveryReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        ids = claim_batch(worker, batch_size, now=now, lease=lease)
        if not ids:
            break
        report = deliver_batch(ids, now=now, on_progress=on_progress, worker=worker, lease=lease)
        total.add(report)
        batches += 1
        if report.sent == 0 and report.deferred and not report.failed:
            break  # the server is down: stop hammering it, the next run retries
        if between_batches is not None and not between_batches():
            break
    return total


def unclaimed_queued() -> tuple[ColumnElement[bool], ...]:
    """Queued and not in a worker's hands right now (a message being sent cannot be called back;
    withdrawing it would let a re-rendered copy go as well)."""
    return (OutgoingMail.status == MailStatus.queued,
            or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < utcnow()))


# --- status --------------------------------------------------------------------------------


def mailing_status(mailing: str) -> dict[str, Any]:
    counts = dict(db.session.execute(
        select(OutgoingMail.status, func.count(OutgoingMail.id)).where(OutgoingMail.mailing == mailing)
        .group_by(OutgoingMail.status)).all())
    failures = db.session.execute(
        select(OutgoingMail.id, OutgoingMail.recipient, OutgoingMail.last_error)
        .where(OutgoingMail.mailing == mailing, OutgoingMail.status == MailStatus.failed)
        .order_by(OutgoingMail.id)).all()
    return {"queued": counts.get(MailStatus.queued, 0), "sent": counts.get(MailStatus.sent, 0),
            "failed": counts.get(MailStatus.failed, 0),
            "failures": [{"id": i, "recipient": r, "error": e} for i, r, e in failures]}


def retry_failed(mailing: str) -> int:
    """Queue the failed messages of a mailing again (except to held addresses)."""
    held = select(MailAddressHold.email).where(MailAddressHold.held)
    result = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.mailing == mailing, OutgoingMail.status == MailStatus.failed,
               OutgoingMail.recipient.not_in(held))
        .values(status=MailStatus.queued, attempts=0, next_attempt_at=utcnow(), last_error=None))
    return cast("CursorResult[Any]", result).rowcount  # an UPDATE answers a CursorResult


def release_hold(email: str) -> None:
    """Staff corrected the address (or the member did): deliver to it again."""
    hold = db.session.get(MailAddressHold, email)
    if hold is not None:
        db.session.delete(hold)
        db.session.flush()


def forget_member(member_id: int | None, email: str | None) -> None:
    """A deleted account or member leaves nothing personal in the outbox: mail still waiting to
    them is withdrawn, and what was sent or failed keeps only its bookkeeping (kind, mailing,
    status, Message-ID, times) — no address, name or text. Their address hold and any pending
    password-link request go too. Flushes; the caller commits."""
    theirs = []
    if member_id is not None:
        theirs.append(OutgoingMail.member_id == member_id)
    if email:
        theirs.append(OutgoingMail.recipient == email)  # as queued: the member's address (indexed)
    if not theirs:
        return
    # Even one a worker holds right now: it cannot be called back from the SMTP server, but
    # nothing of it is kept (the worker's mark then finds no row).
    db.session.execute(delete(OutgoingMail).where(or_(*theirs), OutgoingMail.status == MailStatus.queued)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(OutgoingMail).where(or_(*theirs)).values(
        recipient="", member_id=None, subject="", text_body="", html_body=None, ics=None, headers={},
        last_error=None).execution_options(synchronize_session=False))
    if email:
        db.session.execute(delete(MailAddressHold).where(MailAddressHold.email == email))
        db.session.execute(delete(MailRequest).where(func.lower(MailRequest.email) == email.lower()))
    db.session.flush()
