"""Blueprints for pages."""
from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    from alumni.web import auth, main

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    from alumni.web import events, manage

    app.register_blueprint(events.bp)
    app.register_blueprint(manage.bp)
    from alumni.web import mail

    app.register_blueprint(mail.bp)
    app.context_processor(main.template_globals)
