"""Heartbeats of the background processes (the mail worker, the scheduler).

A process calls `beat()` every loop and commits; `last_beat()` and `is_alive()` answer for
`flask check`, `/healthz` and the mailing pages. Rows of processes silent for a day are removed
by the next beat, so the table stays as small as the number of processes."""
from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from alumni.extensions import db
from alumni.models.types import utcnow
from alumni.models.workers import WorkerHeartbeat

#: A process that has not beaten for this long is taken for dead.
ALIVE_WITHIN = timedelta(seconds=90)
KINDS = ("mail", "scheduler")


def process_name(kind: str) -> str:
    """A name unique to this process: kind, host, pid and a random part."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def beat(kind: str, name: str, *, now: datetime | None = None) -> None:
    """Record that `name` (of `kind`) is alive now. Flushes; the caller commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown worker kind {kind!r}")
    now = now or utcnow()
    row = db.session.get(WorkerHeartbeat, name)
    if row is None:
        db.session.add(WorkerHeartbeat(name=name, kind=kind, started_at=now, beat_at=now))
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - timedelta(days=1)))
    else:
        row.beat_at = now
    db.session.flush()


def stop(name: str) -> None:
    """A process that exits cleanly removes its row. Flushes; the caller commits."""
    db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))
    db.session.flush()


def last_beat(kind: str) -> datetime | None:
    """When any process of `kind` last said it was alive (None: never, or its row is gone)."""
    return db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)).where(WorkerHeartbeat.kind == kind))


def is_alive(kind: str, *, now: datetime | None = None, within: timedelta = ALIVE_WITHIN) -> bool:
    """Whether a process of `kind` has beaten within `within`."""
    last = last_beat(kind)
    return last is not None and last >= (now or utcnow()) - within
