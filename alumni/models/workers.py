"""Background processes report that they are alive: the mail worker and the scheduler each write
a heartbeat row while they run, so `check`, `/healthz` and the mailing pages can tell an outbox
that waits for a worker from one that is being drained."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.models.types import UTCDateTime, utcnow


class WorkerHeartbeat(Model):
    __tablename__ = "worker_heartbeats"

    #: One row per running process, e.g. "mail:host:1234:ab12cd34".
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    #: What the process does: "mail" (delivers the outbox) or "scheduler" (runs due work).
    kind: Mapped[str] = mapped_column(String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<WorkerHeartbeat {self.name} {self.beat_at:%H:%M:%S}>"
