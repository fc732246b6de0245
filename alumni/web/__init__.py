"""Blueprints for pages."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask

from alumni.permissions import template_predicates
from alumni.web import (
    account,
    audit,
    auth,
    calendars,
    directory,
    documents,
    door,
    duplicates,
    events,
    feedback,
    institutions,
    mail,
    main,
    manage,
    members,
    orcid,
    questions,
    rounds,
    staff,
    tokens,
)
from alumni.web.fragments import init_fragments
from alumni.web.names import init_names


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
    app.jinja_env.globals.update({name: _for_templates(fn) for name, fn in template_predicates().items()})


def init_web(app: Flask) -> None:
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)

    app.register_blueprint(calendars.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(questions.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(duplicates.bp)

    app.register_blueprint(mail.bp)
    app.context_processor(main.template_globals)
    init_template_predicates(app)

    app.register_blueprint(account.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(orcid.bp)
    app.register_blueprint(directory.bp)

    app.register_blueprint(tokens.bp)

    app.register_blueprint(institutions.bp)
    app.register_blueprint(door.bp)

    app.register_blueprint(audit.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(rounds.bp)
    init_names(app)
    # Last: the fragment environment copies the app's filters (local_name above among them).
    init_fragments(app)
