"""The scheduler's runner: each task at its interval, a failing one does not stop the others."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import Chapter
from alumni.services import schedule
from alumni.services.chapters import create_chapter

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_each_task_runs_at_start_then_at_its_interval():
    calls = []
    tasks = [schedule.Task("often", timedelta(minutes=1), lambda: calls.append("often") or "ok"),
             schedule.Task("rarely", timedelta(hours=1), lambda: calls.append("rarely") or "ok")]
    last_run: dict[str, datetime] = {}
    assert [o.task for o in schedule.run_due(last_run, now=T0, tasks=tasks)] == ["often", "rarely"]
    assert schedule.run_due(last_run, now=T0 + timedelta(seconds=59), tasks=tasks) == []
    assert [o.task for o in schedule.run_due(last_run, now=T0 + timedelta(minutes=1), tasks=tasks)] == ["often"]
    assert [o.task for o in schedule.run_due(last_run, now=T0 + timedelta(hours=1), tasks=tasks)] == ["often", "rarely"]
    assert calls == ["often", "rarely", "often", "often", "rarely"]


def test_a_failing_task_is_rolled_back_and_the_others_still_run_and_commit():
    def broken():
        create_chapter("XX", "Half done")
        raise RuntimeError("the disk is full")

    def fine():
        create_chapter("IN", "India chapter")
        return "made IN"

    tasks = [schedule.Task("broken", timedelta(minutes=1), broken), schedule.Task("fine", timedelta(minutes=1), fine)]
    last_run: dict[str, datetime] = {}
    outcomes = schedule.run_due(last_run, now=T0, tasks=tasks)
    assert [(o.task, o.ok) for o in outcomes] == [("broken", False), ("fine", True)]
    assert "the disk is full" in outcomes[0].summary and outcomes[1].summary == "made IN"
    db.session.rollback()  # what the runner committed stays
    assert list(db.session.scalars(select(Chapter.code))) == ["IN"]
    # tried again at its next interval, not at every tick
    assert schedule.run_due(last_run, now=T0 + timedelta(seconds=30), tasks=tasks) == []


def test_the_task_list_has_the_reminders_and_every_task_can_run_twice():
    assert "events remind" in [task.name for task in schedule.TASKS]
    assert len({task.name for task in schedule.TASKS}) == len(schedule.TASKS)
    first = schedule.run_due({})
    second = schedule.run_due({})
    assert all(o.ok for o in first + second), first + second
    assert db.session.scalar(select(func.count(Chapter.id))) == 0
