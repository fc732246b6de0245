"""Failure drills: what a dropped database connection or a dying mail server leaves behind.

(The third drill of the issue, a worker killed mid-delivery whose claimed messages are picked up
after the lease, is tests/services/test_outbox.py::test_a_dead_workers_claim_is_taken_over_after_the_lease;
a crash between send and mark is test_crash_after_send_before_mark_resends_with_the_same_message_id.)
"""
from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event, func, select

from alumni.extensions import db
from alumni.models import MailStatus, Member, OutgoingMail, Participation
from alumni.models.types import utcnow
from alumni.services import outbox
from alumni.services.imports import COLUMNS, import_members


def _rows(n: int) -> list[tuple[int, dict]]:
    return [(i + 2, {**dict.fromkeys(COLUMNS, ""), "email": f"drill{i}@example.org", "given_name": "Drill",
                     "family_name": f"Member{i}", "country": "IN", "preferred_language": "en",
                     "programme": "SSP-A", "start_date": "2019-07-01", "end_date": "2019-07-07",
                     "host_institution": "Kyoto University", "host_country": "JP"}) for i in range(n)]


def _drop_connection(conn, database_url: str) -> None:
    """Cut the session's database connection the way a network failure or a server restart does."""
    raw = conn.connection.dbapi_connection
    if database_url.startswith("postgresql"):
        killer = sa.create_engine(database_url)
        with killer.begin() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": raw.info.backend_pid})
        killer.dispose()
    else:
        raw.close()


def test_database_connection_drops_during_an_import_batch(database_url):
    """Three batches of two members; the connection dies in the second batch after its members
    were inserted and before their participations: the first batch stays whole, nothing of the
    second is left, and running the import again finishes the job."""
    rows = _rows(6)
    batches_done = []
    engine = db.engine

    def cut_in_second_batch(conn, cursor, statement, parameters, context, executemany):
        if len(batches_done) == 1 and statement.lstrip().upper().startswith("INSERT INTO PARTICIPATIONS"):
            _drop_connection(conn, database_url)

    def end_batch():
        db.session.commit()
        batches_done.append(True)

    event.listen(engine, "before_cursor_execute", cut_in_second_batch)
    try:
        with pytest.raises(sa.exc.DBAPIError):
            import_members(rows, end_batch=end_batch, batch_members=2)
    finally:
        event.remove(engine, "before_cursor_execute", cut_in_second_batch)
    db.session.rollback()
    db.session.remove()

    emails = set(db.session.scalars(select(Member.email)))
    assert emails == {"drill0@example.org", "drill1@example.org"}  # batch 1 whole, batch 2 gone
    assert db.session.scalar(select(func.count(Participation.id))) == 2  # every member has theirs
    again = import_members(rows, end_batch=db.session.commit, batch_members=2)
    assert (again.created, again.unchanged, again.rejected) == (4, 2, [])
    assert db.session.scalar(select(func.count(Participation.id))) == 6


def test_smtp_server_dies_mid_batch_nothing_lost_nothing_twice(smtp):
    """The server accepts three messages of a batch of ten and dies. Those three are marked sent;
    the seven wait; when it is back they go, and every recipient has exactly one message."""
    rows = [{"dedup_key": f"drill:{i}", "kind": "test", "purpose": "account", "recipient": f"alum{i}@example.org",
             "subject": f"Drill {i}", "text_body": "Body", "mailing": "drill"} for i in range(10)]
    outbox.queue_many(rows)
    db.session.commit()
    sent_so_far = []

    def on_progress(n):
        sent_so_far.append(n)
        if len(sent_so_far) == 3:
            smtp.stop()  # the server process dies between two messages

    report = outbox.deliver_due("drill-worker", on_progress=on_progress)
    assert report.sent == 3 and report.deferred == 7
    db.session.expire_all()
    by_status = Counter(db.session.scalars(select(OutgoingMail.status)))
    assert by_status == {MailStatus.sent: 3, MailStatus.queued: 7}
    assert len(smtp.messages) == 3

    smtp.start()
    later = utcnow() + timedelta(hours=1)
    assert outbox.deliver_due("drill-worker-2", now=later).sent == 7
    assert outbox.deliver_due("drill-worker-3", now=later + timedelta(hours=1)).sent == 0  # nothing left
    recipients = Counter(str(m["To"]) for m in smtp.messages)
    assert recipients == {f"alum{i}@example.org": 1 for i in range(10)}
    message_ids = {m["Message-ID"] for m in smtp.messages}
    assert message_ids == set(db.session.scalars(select(OutgoingMail.message_id)))
    assert Counter(db.session.scalars(select(OutgoingMail.status))) == {MailStatus.sent: 10}


# --- stale pooled connections (alumni/dbpool.py) --------------------------------------------


def _pool_app(database_url, ping_after: float):
    """An app of its own on the test database, its pool checked after `ping_after` idle seconds."""
    from alumni import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "DATABASE_PING_AFTER_SECONDS": ping_after,
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}})


def _count_pings(app, monkeypatch) -> list:
    with app.app_context():
        dialect = db.engine.dialect
    pings = []
    original = dialect.do_ping

    def counted(dbapi_connection):
        pings.append(1)
        return original(dbapi_connection)
    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


def test_connections_in_use_a_moment_ago_are_not_pinged(database_url, monkeypatch):
    app = _pool_app(database_url, ping_after=60)
    pings = _count_pings(app, monkeypatch)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert pings == []
    with app.app_context():
        db.engine.dispose()


def test_an_idle_connection_the_server_cut_is_replaced_before_the_request_uses_it(database_url, monkeypatch):
    """The server (or a firewall) closed the pooled connection while it sat idle: the check at
    checkout finds it dead, the pool opens a new one, and the request is served."""
    app = _pool_app(database_url, ping_after=0)
    pings = _count_pings(app, monkeypatch)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    with app.app_context(), db.engine.connect() as conn:  # the pool's one connection
        _drop_connection(conn, database_url)
    assert client.get("/healthz").status_code == 200
    if database_url.startswith("postgresql"):
        assert len(pings) >= 2  # the dead one was checked, found dead and replaced
    with app.app_context():
        db.engine.dispose()


def test_a_connection_the_server_ended_is_replaced_before_use_however_recently_used(database_url):
    """Issue 23: after pg_terminate_backend (or a restart) the next request met the dead pooled
    connection and failed. The server's goodbye waits on the socket: the checkout sees it (one
    poll, no round trip), pings, and the pool opens a new connection — no request fails."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a server-side end of session needs a server: PostgreSQL only")
    app = _pool_app(database_url, ping_after=3600)  # the idle ping never runs here
    client = app.test_client()
    watcher = sa.create_engine(database_url)
    for _ in range(2):
        assert client.get("/healthz").status_code == 200
        with app.app_context(), db.engine.connect() as conn:
            pid = conn.connection.dbapi_connection.info.backend_pid
            _drop_connection(conn, database_url)
        with watcher.connect() as other:  # the backend has gone (it says goodbye as it exits)
            for _wait in range(100):
                if not other.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                                     {"p": pid}).scalar():
                    break
                other.commit()
                time.sleep(0.02)
    watcher.dispose()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_a_connection_with_nothing_to_read_is_not_pinged(database_url, monkeypatch):
    app = _pool_app(database_url, ping_after=3600)
    pings = _count_pings(app, monkeypatch)
    client = app.test_client()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert pings == []  # the poll costs no round trip
    with app.app_context():
        db.engine.dispose()


def _lost_connection() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT …", {}, Exception("terminating connection due to administrator command"),
                                   connection_invalidated=True)


def _app_with_route(database_url, view):
    app = _pool_app(database_url, ping_after=3600)
    app.add_url_rule("/drill", "drill", view, methods=["GET", "POST"])
    return app


def test_a_request_whose_first_statement_meets_a_lost_connection_runs_again(database_url):
    """Issue 23: a connection ended a moment before a request used it (its goodbye not yet on the
    socket) failed that request with a 500. Nothing reached the database, so the request runs
    again on a new connection."""
    calls = []

    def view():
        calls.append(1)
        if len(calls) == 1:
            raise _lost_connection()  # the very first statement of the request
        return {"answer": db.session.execute(sa.text("SELECT 42")).scalar()}

    app = _app_with_route(database_url, view)
    response = app.test_client().post("/drill", data={"x": "1"})
    assert response.status_code == 200 and response.get_json() == {"answer": 42} and len(calls) == 2
    with app.app_context():
        db.engine.dispose()


def test_a_request_that_already_used_the_database_is_not_run_again(database_url):
    calls = []

    def view():
        calls.append(1)
        db.session.execute(sa.text("SELECT 1"))  # something happened in this request
        raise _lost_connection()

    app = _app_with_route(database_url, view)
    assert app.test_client().get("/drill").status_code == 500 and len(calls) == 1
    with app.app_context():
        db.engine.dispose()


def test_a_request_is_run_again_once_at_most(database_url):
    calls = []

    def view():
        calls.append(1)
        raise _lost_connection()

    app = _app_with_route(database_url, view)
    assert app.test_client().get("/drill").status_code == 500 and len(calls) == 2
    with app.app_context():
        db.engine.dispose()


def test_a_page_served_on_a_connection_ended_before_it_said_goodbye(database_url, monkeypatch):
    """The race the socket check cannot see (the server has ended the session but not yet sent
    its goodbye): the page is served all the same."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a server-side end of session needs a server: PostgreSQL only")
    from alumni import dbpool

    monkeypatch.setattr(dbpool, "server_spoke", lambda _c: False)
    app = _pool_app(database_url, ping_after=3600)
    client = app.test_client()
    assert client.get("/events").status_code == 200
    with app.app_context(), db.engine.connect() as conn:
        _drop_connection(conn, database_url)
    time.sleep(0.3)  # the backend has gone
    assert client.get("/events").status_code == 200
    with app.app_context():
        db.engine.dispose()


# --- calendar feeds read without a transaction (alumni/dbpool.py) ---------------------------


def _dbapi_autocommit(dbapi_connection) -> bool:
    if type(dbapi_connection).__module__.startswith("psycopg"):
        return bool(dbapi_connection.autocommit)  # (its isolation_level None means "server default")
    return dbapi_connection.isolation_level is None  # sqlite3: None is autocommit


@pytest.mark.parametrize("what", ["feed", "dispatches", "member's event page"])
def test_a_read_is_served_without_a_transaction_and_leaves_none_behind(client, what):
    """A calendar feed's, the dispatches report's and a member's event page's statements (the
    user's own included) hold no transaction: on PostgreSQL they run on an autocommit connection
    (no BEGIN/ROLLBACK round trips), which goes back to the pool transactional, so the next writer
    still gets its all-or-nothing; on SQLite the driver begins none for reads, and the connection
    is left as it is (switching it costs more than it saves). The API token's last use is saved."""
    from sqlalchemy import event as sa_event

    from alumni.models import ApiToken
    from tests.factories import logged_in, make_event, make_token, make_user

    event = make_event()
    headers, url = {}, "/calendar/events.ics"
    if what == "dispatches":
        headers = {"Authorization": f"Bearer {make_token(make_user('staff'))}"}
        url = "/api/v1/reports/dispatches?direction=inbound"
    elif what == "member's event page":
        logged_in(client, "reader@example.org")
        url = f"/events/{event.id}"
    seen, used, autocommit, in_transaction = [], [], [], []

    def on_execute(conn, *_args):
        seen.append(conn.get_execution_options().get("isolation_level"))
        used.append(conn.connection.dbapi_connection)
        autocommit.append(_dbapi_autocommit(conn.connection.dbapi_connection))
        if conn.dialect.name == "sqlite":
            in_transaction.append(conn.connection.dbapi_connection.in_transaction)

    db.session.commit()
    db.session.close()
    sa_event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        assert client.get(url, headers=headers).status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", on_execute)
    assert len(seen) >= (2 if what == "member's event page" else 1)
    if db.engine.dialect.name == "sqlite":
        assert set(seen) == {None} and not any(autocommit)
        if what != "dispatches":  # (there the token's last use is written: that one begins)
            assert not any(in_transaction)
        return
    assert set(seen) == {"AUTOCOMMIT"}
    assert all(autocommit)  # the driver's connection, at each statement
    db.session.close()  # the request's connection goes back to the pool
    assert not any(_dbapi_autocommit(c) for c in used)
    if what == "dispatches":
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_an_anonymous_page_from_the_page_cache_checks_out_no_connection(app, client, monkeypatch):
    from sqlalchemy import event as sa_event

    from alumni.web import pagecache
    from tests.factories import make_event

    path = f"/events/{make_event().id}"
    db.session.commit()
    db.session.close()
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    pagecache.clear()
    checkouts = []

    def on_checkout(*_args):
        checkouts.append(1)

    sa_event.listen(db.engine, "checkout", on_checkout)
    try:
        assert client.get(path).status_code == 200
        first = len(checkouts)
        assert client.get(path).status_code == 200
    finally:
        sa_event.remove(db.engine, "checkout", on_checkout)
        pagecache.clear()
    assert first >= 1 and len(checkouts) == first
