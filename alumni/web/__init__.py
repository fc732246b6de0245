"""Blueprints for pages."""
from __future__ import annotations

from flask import Flask

from alumni.web import (
    account,
    auth,
    calendars,
    directory,
    door,
    events,
    institutions,
    mail,
    main,
    manage,
    members,
    staff,
    tokens,
)
from alumni.web.fragments import init_fragments


def init_web(app: Flask) -> None:
    init_fragments(app)
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)

    app.register_blueprint(calendars.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(staff.bp)

    app.register_blueprint(mail.bp)
    app.context_processor(main.template_globals)

    app.register_blueprint(account.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(directory.bp)

    app.register_blueprint(tokens.bp)

    app.register_blueprint(institutions.bp)
    app.register_blueprint(door.bp)
