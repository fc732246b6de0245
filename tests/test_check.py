"""`flask --app wsgi check`: the operator's pre-flight names each problem and fails on errors."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from alumni.extensions import db
from alumni.models.types import utcnow
from alumni.services import preflight, workers

ROOT = Path(__file__).resolve().parent.parent
STRONG = "k3J9-vQx_2Lm8ZpR4tYw7NcB1sHdFgAe6Uo0"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production(app, smtp, monkeypatch):
    """A production configuration with nothing wrong: strong secret, https, a mail server that
    answers, a mail worker and a scheduler alive."""
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    for key, value in {"ENV_NAME": "production", "SECRET_KEY": STRONG,
                       "BASE_URL": "https://alumni.example.org", "SESSION_COOKIE_SECURE": True}.items():
        monkeypatch.setitem(app.config, key, value)
    workers.beat("mail", workers.process_name("mail"))
    workers.beat("scheduler", workers.process_name("scheduler"))
    db.session.commit()
    return app


def lines(result) -> list[str]:
    return result.output.splitlines()


def test_a_sound_production_configuration_passes(runner, production):
    r = runner.invoke(args=["check"])
    assert r.exit_code == 0, r.output
    assert not [line for line in lines(r) if line.startswith("error:")]
    for expected in ("ok: SECRET_KEY is set", "ok: BASE_URL https://alumni.example.org", "ok: mail server 127.0.0.1:",
                     "ok: database", "ok: database schema is current", "ok: mail worker alive", "ok: scheduler alive",
                     "warning: RATELIMIT_STORAGE_URI is memory://"):
        assert any(line.startswith(expected) for line in lines(r)), (expected, r.output)


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("SECRET_KEY", None, "error: SECRET_KEY is not set"),
    ("SECRET_KEY", "", "error: SECRET_KEY is not set"),
    ("SECRET_KEY", "dev-only-not-secret", "error: SECRET_KEY is a well-known default"),
    ("SECRET_KEY", "short-but-mine", "error: SECRET_KEY is weak (14 characters"),
    ("SECRET_KEY", "ab" * 20, "error: SECRET_KEY is weak (40 characters, 2 distinct"),
    ("BASE_URL", "http://alumni.example.org", "error: BASE_URL http://alumni.example.org is not https"),
    ("BASE_URL", "https://127.0.0.1:5000", "error: BASE_URL https://127.0.0.1:5000 points at this machine"),
    ("BASE_URL", "alumni.example.org", "error: BASE_URL 'alumni.example.org' is not an http(s) address"),
    ("MAIL_SERVER", None, "error: MAIL_SERVER is not set"),
])
def test_each_production_problem_fails_the_check_and_is_named(runner, production, monkeypatch, setting, value, named):
    monkeypatch.setitem(production.config, setting, value)
    r = runner.invoke(args=["check"])
    assert r.exit_code == 1, r.output
    errors = [line for line in lines(r) if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(named), r.output
    assert STRONG not in r.output and (not value or setting != "SECRET_KEY" or value not in r.output)


def test_an_unreachable_mail_server_fails_the_check(runner, production, monkeypatch):
    port = closed_port()
    monkeypatch.setitem(production.config, "MAIL_PORT", port)
    r = runner.invoke(args=["check", "--timeout", "2"])
    assert r.exit_code == 1, r.output
    (error,) = [line for line in lines(r) if line.startswith("error:")]
    assert f"MAIL_SERVER=127.0.0.1 MAIL_PORT={port} cannot be used" in error


def test_session_cookies_over_plain_http_are_a_warning_in_production(runner, production, monkeypatch):
    assert not any("SESSION_COOKIE_SECURE" in line for line in lines(runner.invoke(args=["check"])))
    monkeypatch.setitem(production.config, "SESSION_COOKIE_SECURE", False)
    r = runner.invoke(args=["check"])
    assert r.exit_code == 0
    assert any(line.startswith("warning: SESSION_COOKIE_SECURE is off") for line in lines(r))


def test_memory_rate_limits_with_several_web_workers_fail(runner, production, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    r = runner.invoke(args=["check"])
    assert r.exit_code == 1
    assert any(line.startswith("error: RATELIMIT_STORAGE_URI is memory:// with WEB_CONCURRENCY=4") for line in lines(r))


def test_an_unreachable_shared_rate_limit_storage_fails(production):
    finding = preflight.check_rate_limits({**production.config, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed_port()}"},
                                          {"WEB_CONCURRENCY": "4"}, timeout=1)
    assert finding.level == "error" and finding.message.startswith("rate-limit storage redis://127.0.0.1")


def test_missing_or_silent_workers_are_errors_in_production_and_warnings_in_development(runner, production, monkeypatch):
    from alumni.models import WorkerHeartbeat

    db.session.execute(sa.delete(WorkerHeartbeat))
    workers.beat("scheduler", workers.process_name("scheduler"), now=utcnow() - timedelta(minutes=30))
    db.session.commit()
    r = runner.invoke(args=["check"])
    assert r.exit_code == 1
    assert any(line.startswith("error: no mail worker heartbeat: mail stays queued") for line in lines(r)), r.output
    assert any(line.startswith("error: scheduler silent since its last heartbeat 30 min ago") for line in lines(r))
    monkeypatch.setitem(production.config, "ENV_NAME", "development")
    monkeypatch.setitem(production.config, "BASE_URL", "http://127.0.0.1:5000")
    r = runner.invoke(args=["check"])
    assert r.exit_code == 0, r.output
    assert any(line.startswith("warning: no mail worker heartbeat") for line in lines(r))


def test_demo_accounts_fail_the_check_in_production(runner, production):
    from tests.factories import make_user

    make_user("staff", email="staff@alumni.example")
    db.session.commit()
    r = runner.invoke(args=["check"])
    assert r.exit_code == 1
    assert any(line.startswith("error: demo accounts with published passwords exist: staff@alumni.example")
               for line in lines(r)), r.output


def test_pending_migrations_and_an_empty_database_are_errors(app, tmp_path):
    directory = app.extensions["migrate"].directory
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with engine.connect() as conn:
        assert preflight.check_migrations(conn, directory).message.startswith("database has no schema yet")
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('0008_cohorts')"))
        finding = preflight.check_migrations(conn, directory)
    engine.dispose()
    assert finding.level == "error" and finding.message.startswith("migrations pending: database at 0008_cohorts")
    with db.engine.connect() as conn:
        assert preflight.check_migrations(conn, directory).level == "ok"


def test_an_unreachable_database_is_an_error(app, monkeypatch):
    def refuse(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)
    config = {**app.config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:hunter2@db.example/alumni"}
    (finding,) = preflight.check_database(config, app.extensions["migrate"].directory)
    assert finding.level == "error" and finding.message.startswith("database postgresql+psycopg://u:***@db.example/alumni cannot be reached: OperationalError")
    assert "hunter2" not in finding.message


def test_without_a_secret_key_the_command_names_it_and_fails(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "BASE_URL")}
    env.update(ALUMNI_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    r = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "SECRET_KEY must be set" in r.stderr and "Traceback" not in r.stderr


def test_orcid_is_checked_whole(runner, production, monkeypatch):
    r = runner.invoke(args=["check"])
    assert "ok: ORCID is not set up" in r.output
    monkeypatch.setitem(production.config, "ORCID_BASE_URL", "https://orcid.org")
    r = runner.invoke(args=["check"])
    assert r.exit_code == 1 and "error: ORCID is half set up: ORCID_CLIENT_ID, ORCID_CLIENT_SECRET missing" in r.output
    monkeypatch.setitem(production.config, "ORCID_CLIENT_ID", "APP-1234")
    monkeypatch.setitem(production.config, "ORCID_CLIENT_SECRET", "s3cret-value")
    r = runner.invoke(args=["check"])
    assert r.exit_code == 0 and "ok: ORCID at https://orcid.org (client APP-1234)" in r.output
    assert "s3cret-value" not in r.output
    monkeypatch.setitem(production.config, "ORCID_BASE_URL", "http://orcid.org")
    assert "error: ORCID_BASE_URL http://orcid.org is not https" in runner.invoke(args=["check"]).output
