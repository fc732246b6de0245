"""Stale database connections: checked before use only when they have sat idle a while.

SQLAlchemy's `pool_pre_ping` sends a `SELECT 1` on every checkout — on PostgreSQL a round trip
(and, with psycopg, autocommit switched off and on) on every request, about half a millisecond
of a 304 that should take a few. A connection that was in use a moment ago is alive unless the
server restarted in that moment; one that sat idle may have been cut by a firewall, a proxy or a
restart. So the ping runs only for connections idle longer than `DATABASE_PING_AFTER_SECONDS`
(10). A failed ping raises `DisconnectionError`: the pool throws the connection away and opens
a new one (up to three times) — the request never sees it. If the server restarts while a
connection is between two quick requests, that one request fails and SQLAlchemy renews the whole
pool on the disconnect it detects (its "optimistic" handling); the next requests are served.

A server that ends a session (`pg_terminate_backend`, a restart, an idle timeout) says so on the
socket — an error message, then the close — while the connection sits in the pool, where the
server otherwise says nothing. So a checkout also looks, with one `poll(2)` call and no round trip,
whether the idle connection has anything to read; if it has, it is pinged (and replaced) whatever
its idle time. Only a connection lost silently (a cable, a firewall) still waits for the idle
ping or costs one request (issue 23: no 5xx after a terminated connection).
"""
from __future__ import annotations

import select
import time
from functools import wraps

from flask import current_app, g, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Engine, event, exc

IDLE_SINCE = "alumni_idle_since"


def install_idle_ping(engine, ping_after_seconds: float) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _note_idle(dbapi_connection, record) -> None:
        if record is not None:
            record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.pop(IDLE_SINCE, None)
        if idle_since is None:
            return  # a new connection
        if time.monotonic() - idle_since < ping_after_seconds and not server_spoke(dbapi_connection):
            return  # in use a moment ago, and the server has not said goodbye since
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError(str(error)) from error
            raise


def server_spoke(dbapi_connection) -> bool:
    """Whether an idle connection has something to read (bytes, or the end of the stream): for a
    database server between two of our statements, that is the notice of a session it ended."""
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return False  # SQLite: no socket, nothing to end it
    try:
        fd = fileno()
    except Exception:  # already closed on our side
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


_READS_ONLY = "alumni_reads_only"
#: Key in `app.extensions`: {engine: its autocommit copy}, filled by `install_autocommit_copies`.
AUTOCOMMIT_COPIES = "alumni.autocommit_copies"


def install_autocommit_copies(app, engines) -> None:
    """Make, once per engine and per app, the autocommit copy `Session.get_bind` hands out (same
    pool; the session's transaction keys its connection by the copy, so it must be one object).
    Kept in the app's extension state, not on the engine."""
    copies = app.extensions.setdefault(AUTOCOMMIT_COPIES, {})
    for engine in engines:
        if engine.dialect.name != "sqlite" and engine not in copies:
            copies[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")


class Session(FlaskSession):
    """Flask-SQLAlchemy's session; while `reads_without_transaction` has marked it, a transaction
    it begins on a database server takes its connection from an autocommit copy of the engine
    (same pool)."""

    def get_bind(self, *args, **kwargs):
        bind = super().get_bind(*args, **kwargs)
        if not self.info.get(_READS_ONLY) or not isinstance(bind, Engine) or bind.dialect.name == "sqlite":
            # SQLite: Python's sqlite3 sends no BEGIN before a SELECT, so there is no round trip to
            # save, and switching the connection to autocommit and back costs a PRAGMA and ~0.9 ms
            # on the member's event page (measured in process: 1.57 ms without, 2.42 ms with).
            return bind
        # Connections checked out through the copy are put in autocommit and reset on check-in.
        # An engine without a copy (an app that did not install them) reads in a transaction.
        return current_app.extensions.get(AUTOCOMMIT_COPIES, {}).get(bind, bind)


def reads_without_transaction(view):
    """For views that only read, with no server-side cursor (calendar feeds polled every hour,
    the dispatches report, event pages): on PostgreSQL their statements run on an autocommit
    connection — no BEGIN before the first query, no ROLLBACK after the last, two round trips
    fewer (on SQLite reads hold no transaction anyway). Nothing is checked out until the first
    statement, so a page answered from the page cache touches no connection at all. The
    connection goes back to the pool transactional again."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        session = current_app.extensions["sqlalchemy"].session()
        if not session.in_transaction():
            session.info[_READS_ONLY] = True
        return view(*args, **kwargs)

    return wrapper


# --- a request whose first statement meets a lost connection runs again ----------------------

_USED = "_alumni_db_used"
_RETRIED = "alumni.db_retried"  # in the WSGI environ: it outlives whatever resets g


class RunRequestAgain(Exception):
    """Raised by the app's error handler for a lost connection met before anything reached the
    database; `install_request_retry` catches it and runs the request once more."""


def note_database_use(engine) -> None:
    """Mark the request as having used the database once any statement succeeds."""

    @event.listens_for(engine, "after_cursor_execute")
    def _used(*_args) -> None:
        if has_request_context():
            setattr(g, _USED, True)


def lost_before_first_statement(error: BaseException) -> bool:
    """Whether `error` is a lost database connection (the server ended the session, restarted, or
    the network cut it) met before any statement of this request succeeded, and the request has
    not been run again yet. Then nothing of the request reached the database: running it again on
    a new connection is safe (the pool has thrown the dead connections away)."""
    return (isinstance(error, exc.DBAPIError) and bool(error.connection_invalidated) and has_request_context()
            and not g.get(_USED) and not request.environ.get(_RETRIED))


def install_request_retry(app) -> None:
    """The race the socket check cannot see — the server has ended a pooled connection but its
    goodbye has not reached the socket when a request takes it — would cost that request a 500.
    The error handler raises RunRequestAgain for it, and the request is dispatched once more
    (before-request hooks included: a rate limit may count it twice). A failure after the first
    statement is answered as before: what the request did may have been committed or not."""
    dispatch = app.full_dispatch_request

    def full_dispatch_request():
        try:
            return dispatch()
        except RunRequestAgain:
            app.logger.warning("database connection lost before the request's first statement; running it again")
            app.extensions["sqlalchemy"].session.remove()
            request.environ[_RETRIED] = True
            for upload in request.files.values():
                upload.stream.seek(0)
            return dispatch()

    app.full_dispatch_request = full_dispatch_request
