"""The `mail deliver` worker: the only process that sends mail.

Each look at the outbox (deliver_once) resolves the password-link requests visitors left (a reset
or claim link, or nothing for an unknown address) and sends what is due, renewing its claims as it
goes (outbox.LEASE). `run` repeats that every `poll` seconds and reports the worker alive
(services.workers) before each look and after each batch. A lost database connection — the
server restarted, an administrator ended the session — or any other failure of one look is
logged, the session thrown away, and the look tried again after a back-off (doubling up to
`max_backoff`), after which the worker gives back the claims of the failed look (its messages
need not wait out their lease): it keeps going until it is told to stop.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from alumni.extensions import db
from alumni.models import MailRequest
from alumni.services import workers
from alumni.services.account_mail import PASSWORD_LINK, queue_account_mail
from alumni.services.membership import request_password_link
from alumni.services.outbox import BATCH_SIZE, DeliveryReport, deliver_due, release_claims

log = logging.getLogger(__name__)

#: Requests resolved per look (each in its own transaction).
REQUESTS_PER_LOOK = 200


def resolve_requests(limit: int = REQUESTS_PER_LOOK) -> int:
    """Turn stored password-link requests into queued mail (or nothing); answers how many were
    resolved. Each is taken (SKIP LOCKED on PostgreSQL, so workers share them), resolved and
    deleted in one transaction: resolved once. A request that fails is logged and dropped."""
    done = 0
    while done < limit:
        stmt = select(MailRequest).order_by(MailRequest.id).limit(1)
        if db.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        request = db.session.scalar(stmt)
        if request is None:
            db.session.commit()
            break
        request_id, kind, email = request.id, request.kind, request.email
        try:
            if kind == PASSWORD_LINK:
                queue_account_mail(request_password_link(email))
            db.session.delete(request)
            db.session.commit()
        except Exception:  # one bad request must not block the queue
            log.exception("password-link request failed; dropped (the visitor may ask again)")
            db.session.rollback()
            db.session.execute(MailRequest.__table__.delete().where(MailRequest.id == request_id))
            db.session.commit()
        done += 1
    return done


def deliver_once(name: str, *, batch_size: int = BATCH_SIZE, on_progress: Callable[[int], object] | None = None,
                 between_batches: Callable[[], bool] | None = None) -> DeliveryReport:
    """One look at the outbox: resolve the requests, then send everything due."""
    resolve_requests()
    return deliver_due(name, batch_size=batch_size, on_progress=on_progress, between_batches=between_batches)


def _throw_away_session() -> None:
    """After a failure the session and its connection may be unusable: drop both (the pool
    replaces a connection found dead)."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.debug("rollback after a failure failed too", exc_info=True)
    try:
        db.session.remove()
    except SQLAlchemyError:
        log.debug("closing the session after a failure failed", exc_info=True)


def run(name: str, *, poll: float = 5.0, batch_size: int = BATCH_SIZE, once: bool = False,
        should_stop: Callable[[], bool] = lambda: False, wait: Callable[[float], object] = time.sleep,
        on_report: Callable[[DeliveryReport], object] | None = None, max_backoff: float = 60.0) -> bool:
    """The worker loop. `wait(seconds)` sleeps between looks (an Event's wait, so a stop signal
    cuts it short). With `once`, one look and out. Answers False if the last look failed."""
    failures = 0

    def beat() -> bool:
        workers.beat("mail", name)
        db.session.commit()
        return not should_stop()

    try:
        while not should_stop():
            try:
                beat()
                if failures:
                    release_claims(name)  # the failed look's claims: not sending them now
                report = deliver_once(name, batch_size=batch_size, between_batches=beat)
            except Exception as exc:  # the worker outlives any failed look: backs off
                failures += 1
                pause = min(poll * 2 ** (failures - 1), max_backoff)
                log.warning("mail worker: look at the outbox failed (%s: %s); trying again in %.1f s",
                            type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "", pause,
                            exc_info=failures == 1)
                _throw_away_session()
                if once:
                    return False
            else:
                if failures:
                    log.warning("mail worker: the outbox answers again after %d failed look(s)", failures)
                failures = 0
                pause = poll
                if on_report is not None:
                    on_report(report)
                db.session.remove()
            if once:
                return True
            wait(pause)
        return failures == 0
    finally:
        try:
            workers.stop(name)
            db.session.commit()
        except Exception:  # leaving anyway: logged
            log.warning("mail worker: could not remove its heartbeat row", exc_info=True)
            _throw_away_session()
