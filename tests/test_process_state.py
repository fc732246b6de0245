"""Nothing registers itself on process-wide objects at import: create_app installs the cohort
hook on the app's session (once, however many apps), and JSON logging leaves the root logger's
handlers alone."""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from alumni import create_app
from alumni.extensions import db
from alumni.services import cohorts
from alumni.web.hardening import JsonLogFormatter, configure_logging


def _hooks(session) -> list:
    return [fn for fn in session.dispatch.after_flush if fn is cohorts._note_changed_participations]


def test_the_cohort_hook_is_on_the_apps_session_once_and_not_on_every_session(app):
    create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})  # a second app
    assert event.contains(db.session, "after_flush", cohorts._note_changed_participations)
    with app.app_context():
        assert len(_hooks(db.session())) == 1
    assert not event.contains(Session, "after_flush", cohorts._note_changed_participations)
    assert not _hooks(Session())  # a session of another program: not ours to watch


def test_json_logging_configures_our_logger_not_the_root(app, monkeypatch):
    root, ours = logging.getLogger(), logging.getLogger("alumni")
    root_before = (list(root.handlers), root.level)
    saved = (list(ours.handlers), ours.level, ours.propagate)
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    monkeypatch.setitem(app.config, "TESTING", False)
    try:
        configure_logging(app)
        configure_logging(app)  # idempotent
        assert (list(root.handlers), root.level) == root_before
        assert len([h for h in ours.handlers if isinstance(h.formatter, JsonLogFormatter)]) == 1
        assert ours.propagate is False
    finally:
        ours.handlers[:] = saved[0]
        ours.setLevel(saved[1])
        ours.propagate = saved[2]
