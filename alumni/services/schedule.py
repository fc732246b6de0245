"""The scheduler's work: periodic tasks, listed in one place (TASKS), run by
`flask --app wsgi schedule run` (a process of the Procfile, beside the web server and the mail
worker).

Every task must be idempotent: two schedulers may run at once (two machines, or an overlap during a
deploy), so a task that runs twice in the same minute must change nothing the second time. The
reminders are (each reminder has an outbox key of its own). Adding periodic work is one line in
TASKS: a name, an interval and a function that flushes and answers a one-line summary.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from alumni.extensions import db
from alumni.models.types import utcnow
from alumni.services.feedback import send_due_requests
from alumni.services.import_jobs import run_pending_imports
from alumni.services.notices import queue_reminders
from alumni.services.questions import purge_expired_answers
from alumni.services.registrations import lapse_offers
from alumni.services.rounds import remind_rounds

log = logging.getLogger(__name__)


def remind_events() -> str:
    queued, skipped = queue_reminders()
    return f"queued {queued}, skipped {skipped}"


def pass_on_offers() -> str:
    return f"lapsed {lapse_offers()} offers"


def remind_round_recipients() -> str:
    queued, skipped = remind_rounds()
    return f"queued {queued}, skipped {skipped}"


def run_imports(keepalive: Callable[[], None]) -> str:
    """Member imports uploaded on the staff page, one job after another until none waits. A long
    import commits batch by batch and calls `keepalive` after each, so the scheduler's heartbeat
    stays fresh while it works."""
    ran = 0
    while (job := run_pending_imports(on_progress=keepalive)) is not None:
        ran += 1
        log.info("import job %s: %s", job.id, job.status)
    return f"ran {ran} import jobs"


@dataclass(frozen=True)
class Task:
    name: str
    every: timedelta
    #: Does the work and flushes (the runner commits); answers a summary for the log.
    run: Callable[..., str]
    #: A long task takes the runner's `keepalive` (the heartbeat) as its one argument.
    takes_keepalive: bool = False


#: The periodic work, in the order it runs when several tasks are due together.
TASKS: list[Task] = [
    Task("events remind", timedelta(minutes=5), remind_events),
    Task("offers lapse", timedelta(minutes=1), pass_on_offers),
    Task("imports run", timedelta(seconds=10), run_imports, takes_keepalive=True),
    Task("answers purge", timedelta(hours=1), purge_expired_answers),
    Task("feedback send", timedelta(minutes=15), send_due_requests),
    Task("rounds remind", timedelta(hours=1), remind_round_recipients),
]


@dataclass(frozen=True)
class Outcome:
    task: str
    ok: bool
    summary: str


def due_tasks(last_run: dict[str, datetime], now: datetime, tasks: list[Task] | None = None) -> list[Task]:
    """The tasks whose interval has passed since they last ran here (all of them at start)."""
    return [task for task in (TASKS if tasks is None else tasks)
            if task.name not in last_run or now - last_run[task.name] >= task.every]


def run_due(last_run: dict[str, datetime], *, now: datetime | None = None,
            tasks: list[Task] | None = None, keepalive: Callable[[], None] | None = None) -> list[Outcome]:
    """Run what is due, each task in a transaction of its own that this runner commits (a task
    that fails is rolled back and logged; the others still run, and it is tried again at its
    next interval). Updates `last_run` (the caller keeps it between calls)."""
    now = now or utcnow()
    outcomes = []
    for task in due_tasks(last_run, now, tasks):
        last_run[task.name] = now
        try:
            summary = task.run(keepalive or (lambda: None)) if task.takes_keepalive else task.run()
            db.session.commit()
        except Exception as exc:  # one failing task must not stop the others: logged, reported
            db.session.rollback()
            log.exception("scheduled task %s failed", task.name)
            outcomes.append(Outcome(task.name, False, f"{type(exc).__name__}: {exc}"))
        else:
            outcomes.append(Outcome(task.name, True, summary))
    return outcomes
