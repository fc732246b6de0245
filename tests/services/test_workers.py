"""Heartbeats: a process that beat recently is alive; one silent too long is not."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alumni.extensions import db
from alumni.services import workers


def test_a_recent_beat_is_alive_and_an_old_one_is_not():
    t0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert workers.last_beat("mail") is None
    assert not workers.is_alive("mail", now=t0)
    name = workers.process_name("mail")
    workers.beat("mail", name, now=t0)
    db.session.commit()
    assert workers.last_beat("mail") == t0
    assert workers.is_alive("mail", now=t0 + timedelta(seconds=60))
    assert not workers.is_alive("mail", now=t0 + timedelta(seconds=120))
    assert not workers.is_alive("scheduler", now=t0)


def test_a_clean_stop_removes_the_row():
    name = workers.process_name("scheduler")
    workers.beat("scheduler", name)
    workers.stop(name)
    db.session.commit()
    assert workers.last_beat("scheduler") is None
