"""The operator's pre-flight (`flask --app wsgi check`): is this environment fit to serve?

Each check answers findings — `ok`, `warning` or `error` with one sentence that names the setting
and what to do. What is only unwise on a developer's machine is a warning there and an error in
production. The command prints them and exits non-zero on any error; nothing here changes
anything (the mail check opens and closes an SMTP connection, the database check reads).
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from limits.storage import storage_from_string
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from alumni.extensions import db
from alumni.models import User
from alumni.models.types import utcnow
from alumni.services import workers
from alumni.services.demo import DEMO_LOGINS
from alumni.services.documents import missing_fonts

Level = Literal["ok", "warning", "error"]

#: Secrets that ship with the code or in tutorials: never good enough outside a laptop.
KNOWN_WEAK_SECRETS = frozenset({
    "dev-only-not-secret", "test-secret-key", "secret", "secret-key", "secretkey", "changeme", "change-me",
    "dev", "development", "password", "your-secret-key", "please-change-me", "notsecret", "not-secret",
})
MIN_SECRET_LENGTH = 32
#: A secret of 32 characters drawn from fewer distinct characters than this is a pattern, not random.
MIN_SECRET_DISTINCT = 10
NEW_SECRET_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


@dataclass(frozen=True)
class Finding:
    level: Level
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def has_errors(findings: list[Finding]) -> bool:
    return any(f.level == "error" for f in findings)


def _production(config: Mapping[str, Any]) -> bool:
    return config.get("ENV_NAME") == "production"


def _unwise(config: Mapping[str, Any]) -> Level:
    """What is merely unwise in development is an error in production."""
    return "error" if _production(config) else "warning"


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _ago(when: datetime, now: datetime) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


# --- configuration ----------------------------------------------------------------------------


def check_secret(config: Mapping[str, Any]) -> Finding:
    """Present, not a known default, long and varied. The secret itself is never printed."""
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        return Finding("error", f"SECRET_KEY is not set: sessions and mailed links cannot be signed (make one: {NEW_SECRET_HINT})")
    if secret.strip().lower() in KNOWN_WEAK_SECRETS:
        if config.get("ENV_NAME") in ("development", "testing"):
            return Finding("ok", "SECRET_KEY is the development default (fine on this machine only)")
        return Finding("error", f"SECRET_KEY is a well-known default: anyone could forge sessions and links (make one: {NEW_SECRET_HINT})")
    if len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < MIN_SECRET_DISTINCT:
        return Finding(_unwise(config), f"SECRET_KEY is weak ({len(secret)} characters, {len(set(secret))} distinct): "
                       f"use at least {MIN_SECRET_LENGTH} random characters ({NEW_SECRET_HINT})")
    return Finding("ok", f"SECRET_KEY is set ({len(secret)} characters)")


def check_base_url(config: Mapping[str, Any]) -> Finding:
    """The address printed in mail, calendar feeds and ticket QR codes."""
    url = config.get("BASE_URL") or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding("error", f"BASE_URL {url!r} is not an http(s) address: links in mail would not work")
    if _production(config):
        if parts.scheme != "https":
            return Finding("error", f"BASE_URL {url} is not https: links in mail and feeds would travel in clear "
                           "and secure cookies would not be sent back (set BASE_URL=https://…)")
        if parts.hostname in LOOPBACK_HOSTS:
            return Finding("error", f"BASE_URL {url} points at this machine: links in mail would reach nobody")
    return Finding("ok", f"BASE_URL {url} (links in mail, feeds and tickets)")


def check_cookies(config: Mapping[str, Any]) -> list[Finding]:
    """Session cookies over HTTPS only, in production (off only for a plain-HTTP test rig)."""
    if _production(config) and not config.get("SESSION_COOKIE_SECURE"):
        return [Finding("warning", "SESSION_COOKIE_SECURE is off: session cookies would also travel over plain "
                        "HTTP (right only for a test rig)")]
    return []


def check_mail(config: Mapping[str, Any], *, timeout: float = 5.0) -> Finding:
    """Without MAIL_SERVER mail becomes files (right for a laptop, wrong in production); with one,
    connect, greet (and STARTTLS and log in where configured), then quit."""
    server = config.get("MAIL_SERVER")
    if not server:
        where = config.get("MAIL_FILE_DIR", "instance/mail")
        if _production(config):
            return Finding("error", f"MAIL_SERVER is not set: mail would be written to files under {where}, not sent")
        return Finding("ok", f"no MAIL_SERVER: mail is written as .eml files under {where}")
    port = int(config.get("MAIL_PORT") or 25)
    try:
        smtp_class: Callable[..., smtplib.SMTP] = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        with smtp_class(server, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except (OSError, smtplib.SMTPException) as exc:
        return Finding("error", f"mail server MAIL_SERVER={server} MAIL_PORT={port} cannot be used: {_reason(exc)}")
    logged_in = " and accepts the login" if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD") else ""
    return Finding("ok", f"mail server {server}:{port} answers{logged_in}")


def _web_workers(environ: Mapping[str, str]) -> int | None:
    try:
        return int(environ.get("WEB_CONCURRENCY", "") or 1)
    except ValueError:
        return None


def _storage_reachable(uri: str, timeout: float) -> bool:
    options: dict[str, Any] = {}
    if uri.startswith(("redis", "valkey")):
        options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    return bool(storage_from_string(uri, **options).check())


def check_rate_limits(config: Mapping[str, Any], environ: Mapping[str, str], *, timeout: float = 3.0) -> Finding:
    """Login and reset limits hold only if every web worker counts in the same place."""
    uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
    workers = _web_workers(environ)
    if workers is None:
        return Finding("error", f"WEB_CONCURRENCY={environ.get('WEB_CONCURRENCY')!r} is not a number of web workers")
    if uri.startswith("memory://"):
        if workers > 1:
            return Finding("error", f"RATELIMIT_STORAGE_URI is memory:// with WEB_CONCURRENCY={workers}: each web worker "
                           "counts alone, so login and reset limits are that many times looser (use redis://…)")
        if _production(config):
            return Finding("warning", "RATELIMIT_STORAGE_URI is memory://: right for one web process only; set a shared "
                           "storage (redis://…) when several web workers or machines serve")
        return Finding("ok", "rate limits are counted in memory (one web process)")
    shown = f"{urlsplit(uri).scheme}://{urlsplit(uri).hostname or ''}"
    try:
        reachable = _storage_reachable(uri, timeout)
    except Exception as exc:  # a bad URI or a missing driver: the storage cannot be used either way
        return Finding("error", f"rate-limit storage {shown} cannot be used: {_reason(exc)}")
    if not reachable:
        return Finding("error", f"rate-limit storage {shown} does not answer: logins would fail")
    return Finding("ok", f"rate-limit storage {shown} answers (shared by every web worker)")


# --- the database and the processes -------------------------------------------------------------


def check_migrations(connection: Any, directory: str) -> Finding:
    """The database's Alembic revision against the code's head."""
    heads = set(ScriptDirectory(directory).get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return Finding("ok", f"database schema is current ({', '.join(sorted(heads))})")
    if not current:
        return Finding("error", "database has no schema yet: run `flask --app wsgi db upgrade`")
    return Finding("error", f"migrations pending: database at {', '.join(sorted(current))}, code at "
                   f"{', '.join(sorted(heads))}: run `flask --app wsgi db upgrade`")


_PROCESSES = (
    ("mail", "mail worker", "flask --app wsgi mail deliver", "mail stays queued"),
    ("scheduler", "scheduler", "flask --app wsgi schedule run", "reminders are not queued"),
)


def check_processes(config: Mapping[str, Any], *, now: datetime | None = None) -> list[Finding]:
    """The mail worker's and the scheduler's last heartbeats (alumni/services/workers.py)."""
    now = now or utcnow()
    findings = []
    for kind, label, command, consequence in _PROCESSES:
        last = workers.last_beat(kind)
        if last is not None and workers.is_alive(kind, now=now):
            findings.append(Finding("ok", f"{label} alive (last heartbeat {_ago(last, now)})"))
        elif last is None:
            findings.append(Finding(_unwise(config), f"no {label} heartbeat: {consequence} until `{command}` runs "
                                    "(the Procfile starts it)"))
        else:
            findings.append(Finding(_unwise(config), f"{label} silent since its last heartbeat {_ago(last, now)}: "
                                    f"{consequence}; restart `{command}`"))
    return findings


def check_database(config: Mapping[str, Any], migrations_dir: str, *, now: datetime | None = None) -> list[Finding]:
    """Reachable, migrated, and — read from it — whether the background processes run."""
    shown = make_url(config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    try:
        db.session.execute(text("SELECT 1"))
        migrations = check_migrations(db.session.connection(), migrations_dir)
    except Exception as exc:  # a pre-flight reports whatever stops the database
        db.session.rollback()
        return [Finding("error", f"database {shown} cannot be reached: {_reason(exc)}")]
    findings = [Finding("ok", f"database {shown} answers"), migrations]
    if migrations.level == "ok":
        findings.extend(check_processes(config, now=now))
        if _production(config):
            findings.extend(check_no_demo_accounts())
    db.session.rollback()
    return findings


def check_no_demo_accounts() -> list[Finding]:
    """The development demo accounts have published passwords: never in production."""
    found = list(db.session.scalars(select(User.email).where(User.email.in_([e for e, *_ in DEMO_LOGINS]))))
    if found:
        return [Finding("error", f"demo accounts with published passwords exist: {', '.join(sorted(found))} "
                        "(delete them or set new passwords with `flask --app wsgi users set-password`)")]
    return []


def check_fonts() -> Finding:
    """Fonts for the PDFs (certificates, letters, badges): fontconfig must find one per language."""
    missing = missing_fonts()
    if missing:
        return Finding("warning", f"no font for {', '.join(missing)}: certificates, letters and badges in "
                       "these languages would show boxes (install fonts-noto-core and fonts-noto-cjk)")
    return Finding("ok", "fonts for every language's PDFs")


ORCID_SETTINGS = ("ORCID_BASE_URL", "ORCID_CLIENT_ID", "ORCID_CLIENT_SECRET")


def check_orcid(config: Mapping[str, Any]) -> Finding:
    """ORCID (link an iD, import affiliations) is on with all three settings, hidden with none."""
    given = [name for name in ORCID_SETTINGS if config.get(name)]
    if not given:
        return Finding("ok", "ORCID is not set up (ORCID_BASE_URL, ORCID_CLIENT_ID, ORCID_CLIENT_SECRET): "
                       "members see no ORCID link")
    missing = [name for name in ORCID_SETTINGS if name not in given]
    if missing:
        return Finding("error" if _production(config) else "warning",
                       f"ORCID is half set up: {', '.join(missing)} missing, so the feature stays hidden")
    base = urlsplit(str(config["ORCID_BASE_URL"]))
    if _production(config) and base.scheme != "https":
        return Finding("error", f"ORCID_BASE_URL {config['ORCID_BASE_URL']} is not https "
                       "(https://orcid.org, or https://sandbox.orcid.org to try it)")
    return Finding("ok", f"ORCID at {config['ORCID_BASE_URL']} (client {config['ORCID_CLIENT_ID']})")


def run_checks(config: Mapping[str, Any], environ: Mapping[str, str], migrations_dir: str, *,
               timeout: float = 5.0, now: datetime | None = None) -> list[Finding]:
    """Every check, configuration first."""
    return [
        Finding("ok", f"environment {config.get('ENV_NAME')} (ALUMNI_ENV)"),
        check_secret(config),
        check_base_url(config),
        *check_cookies(config),
        check_mail(config, timeout=timeout),
        check_rate_limits(config, environ, timeout=timeout),
        *check_database(config, migrations_dir, now=now),
        check_fonts(),
        check_orcid(config),
    ]
