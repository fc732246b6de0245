"""Settings from the environment, one class per mode."""
from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _hops(name: str) -> int:
    value = os.environ.get(name, "0").strip() or "0"
    if not value.isdigit() or int(value) > 10:
        raise RuntimeError(f"{name} must be a whole number of trusted proxies in front of the app (0-10), "
                           f"not {value!r}")
    return int(value)


def _base_url() -> str:
    """BASE_URL, else where HOST and PORT serve (so that links in mail, calendar URLs and ticket QR
    codes reach the server `make run` started). A wildcard host is not an address: loopback then."""
    explicit = os.environ.get("BASE_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    host = os.environ.get("HOST", "").strip() or "127.0.0.1"
    if host in {"0.0.0.0", "::", "[::]"}:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    port = os.environ.get("PORT", "").strip() or "5000"
    return f"http://{host}:{port}"


class Config:
    """Production defaults; development and testing relax them."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'alumni.sqlite3'}"
    )
    #: No ping on every checkout: alumni/dbpool.py pings connections idle longer than this.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}
    DATABASE_PING_AFTER_SECONDS = float(os.environ.get("DATABASE_PING_AFTER_SECONDS", "10"))
    #: The public address, for links in mail and feeds (see _base_url: HOST/PORT when unset).
    BASE_URL = _base_url()

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Sakura Science Club <noreply@sakura-alumni.example>"
    )
    #: Whether mail goes out is decided by MAIL_SERVER alone (none: .eml files), in tests too.
    MAIL_SUPPRESS_SEND = False
    #: Seconds an SMTP connection may wait (connect, each command); the worker's only default.
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))
    #: Where members' calendar programs send their answers to invitations (iMIP replies), each
    #: to rsvp+<signed token>@domain; the MTA hands them to `flask mail receive` or `mail listen`.
    #: Empty: invitations ask for no reply (docs/operations.md, "Inbound mail: calendar replies").
    MAIL_REPLY_ADDRESS = os.environ.get("MAIL_REPLY_ADDRESS", "").strip()
    #: Where mail goes as .eml files when no MAIL_SERVER is configured.
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE / "mail"))

    #: How many reverse proxies in front of the app to trust for the client's address and scheme
    #: (X-Forwarded-For / X-Forwarded-Proto); 0 trusts no header. See docs/operations.md.
    PROXY_HOPS = _hops("PROXY_HOPS")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "alumni")
    #: Attempts at login / password reset, per account (the email typed) and per client address.
    #: Failed logins count per (account, client address); the per-account ceiling over all
    #: addresses is much higher, so a stranger cannot lock the owner out from elsewhere.
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "10 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "100 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "60 per 15 minutes")
    #: Reset requests per (account, client address): another address's requests never use them up.
    RESET_LIMIT_PER_ACCOUNT = os.environ.get("RESET_LIMIT_PER_ACCOUNT", "3 per hour")
    RESET_LIMIT_PER_ADDRESS = os.environ.get("RESET_LIMIT_PER_ADDRESS", "20 per hour")
    SIGNUP_LIMIT_PER_ADDRESS = os.environ.get("SIGNUP_LIMIT_PER_ADDRESS", "20 per hour")
    #: Account mail a stranger can cause (confirm, "already registered", reset, claim) per
    #: recipient, whoever asks and from wherever: beyond it the request is answered alike and no
    #: mail is queued (services/mail_limits.py).
    ACCOUNT_MAIL_LIMIT_PER_RECIPIENT = os.environ.get("ACCOUNT_MAIL_LIMIT_PER_RECIPIENT", "5 per hour")
    #: How long emailed links work, in seconds.
    VERIFY_LINK_MAX_AGE = 3 * 24 * 3600
    RESET_LINK_MAX_AGE = 3600
    CLAIM_LINK_MAX_AGE = 14 * 24 * 3600
    #: An update round's link (services/rounds.py), and when its one reminder goes to those who
    #: have not answered.
    ROUND_LINK_MAX_AGE = 30 * 24 * 3600
    ROUND_REMIND_AFTER = 7 * 24 * 3600

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    API_TITLE = "Sakura Alumni API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Cookies only over HTTPS; turn off only for a plain-HTTP test rig (the benchmarks).
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    #: Strict-Transport-Security: browsers use only HTTPS for this long (0: no header; the
    #: development and testing modes, which run on plain HTTP).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    JSON_SORT_KEYS = False

    #: Anonymous visitors' event pages are kept this many seconds (0: off). See web/pagecache.py.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "5"))
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    #: ORCID (docs/operations.md, "ORCID"): members link their iD and import their employments and
    #: educations. Without the base URL, client id and secret the feature is hidden everywhere.
    #: ORCID_BASE_URL is where members sign in (https://orcid.org, https://sandbox.orcid.org);
    #: ORCID_API_URL where their public record is read (default: pub.orcid.org, pub.sandbox.orcid.org).
    ORCID_BASE_URL = os.environ.get("ORCID_BASE_URL", "").strip().rstrip("/")
    ORCID_API_URL = os.environ.get("ORCID_API_URL", "").strip().rstrip("/")
    ORCID_CLIENT_ID = os.environ.get("ORCID_CLIENT_ID", "").strip()
    ORCID_CLIENT_SECRET = os.environ.get("ORCID_CLIENT_SECRET", "").strip()
    #: Seconds each call to ORCID may take (connect, then read).
    ORCID_TIMEOUT = float(os.environ.get("ORCID_TIMEOUT", "10"))

    #: Load the demo data set on `make run` the first time.
    DEMO_MEMBERS = int(os.environ.get("DEMO_MEMBERS", "300"))
    #: `demo load` makes one account per role with a known password: in development only, never here.
    DEMO_ACCOUNTS = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEMO_ACCOUNTS = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS_SECONDS = 0


class TestingConfig(Config):
    ENV_NAME = "testing"
    PAGE_CACHE_SECONDS = 0
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    HSTS_SECONDS = 0
    RATELIMIT_STORAGE_URI = "memory://"
    BASE_URL = "http://alumni.test"
    MAIL_REPLY_ADDRESS = "rsvp@alumni.test"


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_for(name: str | None) -> type[Config]:
    name = name or os.environ.get("ALUMNI_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"ALUMNI_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
