"""Response headers that hold on every page and API answer, and the request id in the logs."""
from __future__ import annotations

import json
import logging
import time
import uuid

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",            # no inline script anywhere
    "style-src 'self' 'unsafe-inline'",  # server-rendered SVG charts carry style attributes
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line, with the request id where there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "method", "path", "status", "duration_ms", "remote"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and not hasattr(record, "request_id"):
            record.request_id = getattr(g, "request_id", None)
        return True


def configure_logging(app: Flask) -> None:
    if app.config.get("LOG_FORMAT", "json") != "json" or app.testing:
        return
    # Our own logger ("alumni": app.logger and every alumni.* module), not the root logger: the
    # handlers a server or a test runner put on the root stay theirs. Idempotent per process.
    logger = logging.getLogger("alumni")
    for old in [h for h in logger.handlers if isinstance(h.formatter, JsonLogFormatter) or h is default_handler]:
        logger.removeHandler(old)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    logger.propagate = False  # one line per record, not a second one from the root's handlers
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


#: Pages whose address is the capability (a ticket, a link from a mail): private to whoever
#: holds it, logged in or not.
PRIVATE_ENDPOINTS = frozenset({
    "events.ticket", "account.reset_with_link", "account.claim", "account.confirm_email_change",
})


def is_private_answer() -> bool:
    """Whether the answer belongs to one person: asked with credentials (an API token), made for
    a logged-in session (Flask-Login loaded the user while answering: the page shows them), or on
    a capability address. Static files never are."""
    if request.endpoint == "static":
        return False
    if request.endpoint in PRIVATE_ENDPOINTS or "Authorization" in request.headers \
            or request.environ.get("alumni.actor") is not None:
        return True
    user = g.get("_login_user")
    return user is not None and user.is_authenticated


def init_hardening(app: Flask) -> None:
    access = logging.getLogger("alumni.access")

    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def secure_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("HSTS_SECONDS"):
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains")
        # Nothing made for one person is kept by a browser's or a proxy's cache. A view that
        # chose its own caching (a private feed, a chart with an ETag) keeps its choice.
        if "Cache-Control" not in response.headers and is_private_answer():
            response.headers["Cache-Control"] = "no-store"
        request_id = getattr(g, "request_id", None)
        if request_id:
            response.headers["X-Request-ID"] = request_id
            started = getattr(g, "request_started", None)
            access.info("request", extra={
                "request_id": request_id, "method": request.method, "path": request.path,
                "status": response.status_code, "remote": request.remote_addr,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            })
        return response

    configure_logging(app)
