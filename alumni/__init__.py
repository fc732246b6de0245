"""Sakura Alumni: the web service of the Sakura Science Club."""
from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask import Flask, flash, g, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from alumni import (
    formatting,
    models,  # noqa: F401  (every table known before migrate/create_all)
)
from alumni.api import init_api
from alumni.api.common import default_message, error_body, http_error_response, service_error_response, wants_json
from alumni.cli import register_cli
from alumni.config import INSTANCE, config_for
from alumni.dbpool import (
    RunRequestAgain,
    install_autocommit_copies,
    install_idle_ping,
    install_request_retry,
    lost_before_first_statement,
    note_database_use,
)
from alumni.errors import ServiceError
from alumni.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
from alumni.forms import keep_typed, take_kept
from alumni.i18n import _, init_template_gettext, select_locale
from alumni.inputs import init_inputs

# Importing audit and notices connects their signal receivers (alumni.signals): the audit log, and
# mail that follows a change. Connecting twice is a no-op, so app factories may run in any order.
from alumni.services import audit, cohorts, notices  # noqa: F401
from alumni.web import init_web
from alumni.web.hardening import init_hardening


class MissingSecretKey(click.ClickException, RuntimeError):
    """The app cannot start without a secret. A ClickException, so that `flask …` commands (`check`
    first) print it as one line rather than a traceback."""


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=1, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: str | dict | None = None) -> Flask:
    """The application. `config` is a mode name (development, testing, production) or a dict
    of settings laid over the testing mode (for tests)."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(INSTANCE))
    if isinstance(config, dict):
        app.config.from_object(config_for("testing"))
        app.config.update(config)
    else:
        app.config.from_object(config_for(config))
    if not app.config.get("SECRET_KEY"):
        raise MissingSecretKey("SECRET_KEY must be set outside development (ALUMNI_ENV=development for a local run); "
                               "make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'")
    INSTANCE.mkdir(parents=True, exist_ok=True)

    # Path ids beyond a 32-bit integer are no row of ours: 404 at routing, not a database error.
    app.url_map.converters["int"] = BoundedIntConverter
    install_proxy_fix(app)

    db.init_app(app)

    with app.app_context():
        for engine in db.engines.values():
            install_idle_ping(engine, app.config["DATABASE_PING_AFTER_SECONDS"])
            note_database_use(engine)
        install_autocommit_copies(app, db.engines.values())
    install_request_retry(app)
    migrate.init_app(app, db, directory=str(INSTANCE.parent / "migrations"), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_template_gettext(app)
    formatting.init_app(app)
    limiter.init_app(app)

    init_hardening(app)
    init_api(app)
    init_web(app)
    _register_error_handlers(app)
    _register_request_guards(app)

    cohorts.install_session_hooks(db.session)

    register_cli(app)
    return app


def install_proxy_fix(app: Flask) -> None:
    """Behind PROXY_HOPS trusted reverse proxies, the client's address (rate limits, logs) and
    scheme come from their X-Forwarded-For / X-Forwarded-Proto; with 0, no such header is
    believed (a client talking to the app directly could forge them)."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _register_request_guards(app: Flask) -> None:
    """No text we store or search may hold NUL (PostgreSQL refuses it) or a lone surrogate (no
    UTF-8 can hold it), and JSON is bounded before it is parsed: refused at the door, in query
    strings, forms and JSON bodies alike (alumni/inputs.py)."""
    init_inputs(app)


def _form_page() -> tuple[str, bool]:
    """The page the form was sent from, and whether it was sent from this site: the referrer's
    path if it is on this host (and the Origin, if sent, is ours), else the address the form was
    posted to (most forms post to their own page)."""
    referrer = urlsplit(request.referrer or "")
    origin = request.headers.get("Origin")
    ours = referrer.netloc == request.host and (origin is None or urlsplit(origin).netloc == request.host)
    if ours and referrer.path.startswith("/") and not referrer.path.startswith("//"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else ""), True
    return request.path, False


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def on_service_error(error: ServiceError):
        db.session.rollback()
        if wants_json():
            return service_error_response(error)
        return render_template("errors/error.html", status=error.status, message=error.message), error.status

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException):
        db.session.rollback()
        if wants_json():
            return http_error_response(error)
        return render_template("errors/error.html", status=error.code, message=default_message(error)), error.code

    @app.errorhandler(CSRFError)
    def on_expired_form(error: CSRFError):
        """A page's form whose security token expired (or was missing): nothing was done. The
        person goes back to the page with the form, which shows what they typed (passwords and
        tokens aside), and is told why. The API takes no CSRF tokens; its answer stays JSON."""
        db.session.rollback()
        if wants_json():
            return http_error_response(error)
        back, from_our_page = _form_page()
        if from_our_page:
            keep_typed(urlsplit(back).path)
            flash(_("The form had expired, so nothing was sent. What you typed is filled in again "
                    "(passwords aside): please check it and send it once more."), "error")
        else:  # a post from another site is not written into our forms
            flash(_("The form had expired, so nothing was sent. Please fill it in and send it again."), "error")
        return redirect(back, code=303)

    @app.before_request
    def restore_kept_form() -> None:
        # Only with a session cookie: reading the session otherwise would add `Vary: Cookie`
        # to every public answer (feeds, cached pages).
        if request.method == "GET" and app.config["SESSION_COOKIE_NAME"] in request.cookies:
            g.kept_form = take_kept(request.path)

    @app.errorhandler(IntegrityError)
    def on_integrity_error(error: IntegrityError):
        """The services check unique keys first; the database's constraint is the last guard and
        only fires when two requests race for the same key: a conflict, never a 500."""
        app.logger.warning("integrity error answered 409: %s", error.orig)
        db.session.rollback()
        message = _("Someone else changed this at the same moment. Please reload and try again.")
        if wants_json():
            return error_body(409, "conflict", message)
        return render_template("errors/error.html", status=409, message=message), 409

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception):
        if lost_before_first_statement(error):
            raise RunRequestAgain from error  # nothing reached the database: run it once more
        app.logger.exception("unhandled error")
        db.session.rollback()
        if wants_json():
            return error_body(500, "internal", _("Something went wrong on our side; it has been logged."))
        return render_template("errors/error.html", status=500,
                               message=_("Something went wrong on our side; it has been logged.")), 500
