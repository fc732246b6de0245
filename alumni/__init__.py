"""Sakura Alumni: the web service of the Sakura Science Club."""
from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from alumni.config import INSTANCE, config_for
from alumni.extensions import babel, csrf, db, limiter, login_manager, mail, migrate


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
        raise RuntimeError("SECRET_KEY must be set outside development (ALUMNI_ENV=development for a local run).")
    INSTANCE.mkdir(parents=True, exist_ok=True)

    from alumni import models  # noqa: F401  (every table known before migrate/create_all)
    from alumni.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(INSTANCE.parent / "migrations"), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from alumni.web import init_web
    from alumni.api import init_api

    init_api(app)
    init_web(app)
    _register_error_handlers(app)

    from alumni.cli import register_cli

    register_cli(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def _register_error_handlers(app: Flask) -> None:
    from alumni.api import default_message, error_body, http_error_response, service_error_response, wants_json
    from alumni.errors import ServiceError
    from alumni.i18n import _

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

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        if wants_json():
            return error_body(500, "internal", _("Something went wrong on our side; it has been logged."))
        return render_template("errors/error.html", status=500,
                               message=_("Something went wrong on our side; it has been logged.")), 500
