"""Fixtures, in flaskr's shape.

- `app`: one app per run, on the database TEST_DATABASE_URL names (PostgreSQL in CI) or else a
  temporary SQLite file; the schema is built once by the real migrations.
- `db` (autouse): an app context for the test body, so factories and services can run in it.
  Each request of the test client runs in an app context of its own (ClosingClient), as in
  production. After a test that wrote to the database, every table is emptied (the programme
  catalogue, written by a migration, stays); a test that only read leaves them as they are.
- Config: change `app.config` only with `monkeypatch.setitem(app.config, KEY, value)`, which
  puts the value back after the test.
- Logging in: `tests.factories.login(client, user)`, which fails the test if it did not work.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

from alumni import create_app
from alumni.extensions import db as _db

KEEP_TABLES = {"programmes", "alembic_version"}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def is_postgresql(database_url) -> bool:
    return database_url.startswith("postgresql")


def _reset_database(url: str) -> None:
    """Start from nothing, whatever an earlier run left."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as exc:
        pytest.exit(f"TEST_DATABASE_URL={url} cannot be reached: {exc}", returncode=3)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    _reset_database(database_url)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Fast hashing in tests; production parameters are checked in test_accounts.
        "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        # Mail without a MAIL_SERVER goes to .eml files: keep them out of the source tree.
        "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("mail")),
    })
    with app.app_context():
        upgrade()

    app.test_client_class = ClosingClient
    yield app
    with app.app_context():
        _db.engine.dispose()


class _Writes:
    """Whether any statement other than a read reached the database since the last reset."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not self.seen and not statement.lstrip()[:6].upper().startswith(("SELECT", "PRAGMA", "SHOW", "SET")):
            self.seen = True


@pytest.fixture(scope="session")
def _writes():
    # On the Engine class: every engine the app makes (pools for workers included) is seen.
    writes = _Writes()
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", writes)
    yield writes
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", writes)


@pytest.fixture(autouse=True)
def db(app, _writes):
    """An app context for the test; the tables emptied after it if it wrote anything."""
    _writes.seen = False
    with app.app_context():
        yield _db
        _db.session.remove()
        if _writes.seen:
            empty_tables()


def empty_tables() -> None:
    """Every table emptied but the programme catalogue (written by a migration)."""
    _db.session.remove()
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


class ClosingClient(FlaskClient):
    """The test client, closing each response as a WSGI server does once it has sent it (so
    what runs on close — mail sent after the response — has run when the call returns). Pass
    buffered=False to hold a response open.

    Every /api/v1 answer is checked against the OpenAPI document (tests/openapi_check.py);
    check_openapi=False only for a test that sends what no client may (and says why)."""

    def open(self, *args, buffered: bool = True, check_openapi: bool = True, **kwargs):
        # Each request runs in an app context of its own, as in production: its own `g` and its
        # own database session. The test's session then forgets what it had loaded, so it reads
        # what the request committed. (`with client:` keeps the request's contexts open after
        # it returns, for tests that look at them; then the request shares the test's context.)
        if self.preserve_context:
            response = super().open(*args, buffered=buffered, **kwargs)
        else:
            with self.application.app_context():
                response = super().open(*args, buffered=buffered, **kwargs)
        if has_app_context():
            _db.session.expire_all()
        if check_openapi and buffered:
            from tests.openapi_check import check_api_response

            check_api_response(self.application, response)
        return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def api(client):
    """Calls /api/v1 as a given account: api.get("/members", token=t)."""
    from tests.factories import ApiClient

    return ApiClient(client)


@pytest.fixture(scope="session")
def _smtp_sink():
    from tests.smtp import SmtpSink

    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp(app, _smtp_sink, monkeypatch):
    """A real SMTP server on loopback, wired into the app's mail settings for this test."""
    _smtp_sink.clear()
    if _smtp_sink.controller is None:
        _smtp_sink.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _smtp_sink.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    yield _smtp_sink  # the outbox reads the mail settings at each batch
    if _smtp_sink.controller is None:
        _smtp_sink.start()


@pytest.fixture(autouse=True)
def fresh_rate_limits(app):
    """Rate-limit counts (in memory in tests) start at zero for each test."""
    from alumni.extensions import limiter

    limiter.reset()
    yield


@pytest.fixture
def mailbox(smtp):
    """The same real SMTP server as `smtp`, read by envelope (ReceivedMail: subject, text(),
    html(), rcpt_tos, mail_from)."""
    from tests.smtp import Mailbox

    return Mailbox(smtp)


@pytest.fixture(scope="session")
def _orcid_standin():
    from tests.orcid_standin import OrcidStandIn

    standin = OrcidStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def orcid(app, _orcid_standin, monkeypatch):
    """ORCID's stand-in (tests/orcid_standin.py, a real HTTP server on loopback) wired into the
    app's ORCID settings for this test; its switches (revoked, malformed, …) start off."""
    from tests.orcid_standin import CLIENT_ID, CLIENT_SECRET

    _orcid_standin.reset()
    monkeypatch.setitem(app.config, "ORCID_BASE_URL", _orcid_standin.url)
    monkeypatch.setitem(app.config, "ORCID_API_URL", "")
    monkeypatch.setitem(app.config, "ORCID_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "ORCID_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setitem(app.config, "ORCID_TIMEOUT", 2)
    return _orcid_standin
