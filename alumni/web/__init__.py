"""Blueprints for pages."""
from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    from alumni.web import auth, main, staff

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    from alumni.web import calendars, events, manage

    app.register_blueprint(calendars.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(staff.bp)
    from alumni.web import mail

    app.register_blueprint(mail.bp)
    app.context_processor(main.template_globals)

    from alumni.web import account, directory, members

    app.register_blueprint(account.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(directory.bp)

    from alumni.web import tokens

    app.register_blueprint(tokens.bp)

    from alumni.web import door, institutions

    app.register_blueprint(institutions.bp)
    app.register_blueprint(door.bp)

    from alumni.web.names import init_names

    init_names(app)
