"""Fixtures. The suite runs on the database that TEST_DATABASE_URL names (PostgreSQL in CI),
else on a temporary SQLite file. The schema is built once per run by the real migrations;
after each test every table is emptied (the programme catalogue, written by a migration, stays).
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

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

    def fresh_g():
        # Tests hold an app context open, and Flask lets the test client's requests share it,
        # `g` included; in production every request has its own. Start each one clean
        # (Flask-Login caches the user in g).
        from flask import g

        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_g)  # before every other hook
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """An app context for the test and a clean database after it."""
    with app.app_context():
        yield _db
        _db.session.remove()
        tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())


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
def smtp(app, _smtp_sink):
    """A real SMTP server on loopback, wired into the app's mail settings for this test."""
    _smtp_sink.clear()
    if _smtp_sink.controller is None:
        _smtp_sink.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_smtp_sink.port, MAIL_TIMEOUT=5)
    from alumni.extensions import mail

    mail.init_app(app)
    yield _smtp_sink
    if _smtp_sink.controller is None:
        _smtp_sink.start()
    app.config.update(saved)
    mail.init_app(app)


@pytest.fixture(autouse=True)
def fresh_rate_limits(app):
    """Rate-limit counts (in memory in tests) start at zero for each test."""
    from alumni.extensions import limiter

    limiter.reset()
    yield


class ReceivedMail:
    """One message as the SMTP server received it: envelope and the parsed message."""

    def __init__(self, mail_from: str, rcpt_tos: list[str], raw: bytes):
        import email
        from email import policy

        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    def __repr__(self) -> str:
        return f"<ReceivedMail to={self.rcpt_tos} {self.subject!r}>"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a loopback port, keeping what it receives."""

    def __init__(self):
        import socket
        import threading

        from aiosmtpd.controller import Controller

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.host = "127.0.0.1"
        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname=self.host, port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address in m.rcpt_tos]


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def mailbox(app, smtp_server):
    """The app sends over SMTP to the test server for this test; yields the server (emptied)."""
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL")}
    app.config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False,
                      MAIL_USE_SSL=False)
    smtp_server.clear()
    yield smtp_server
    app.config.update(saved)
