"""Blueprints for pages."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask


def _for_templates(predicate: Callable[..., bool]) -> Callable[..., bool]:
    """A permissions predicate as templates call it: `current_user` of a visitor (an anonymous
    user object) counts as no one (None)."""
    @wraps(predicate)
    def call(actor: Any, *args: Any) -> bool:
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        return predicate(actor, *args)
    return call


def init_template_predicates(app: Flask) -> None:
    """The `can_*` predicates of alumni.permissions as Jinja globals: templates ask them (for
    instance `can_manage_event(current_user, event)`) and never look at roles themselves."""
    from alumni.permissions import template_predicates

    app.jinja_env.globals.update({name: _for_templates(fn) for name, fn in template_predicates().items()})


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
    init_template_predicates(app)

    from alumni.web import account, directory, members

    app.register_blueprint(account.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(directory.bp)

    from alumni.web import tokens

    app.register_blueprint(tokens.bp)

    from alumni.web import door, institutions

    app.register_blueprint(institutions.bp)
    app.register_blueprint(door.bp)

    from alumni.web import audit

    app.register_blueprint(audit.bp)
    from alumni.web.names import init_names

    init_names(app)
