"""The audit log: who changed what, when, and the before/after of the fields that matter
(written by alumni.services.audit.record, inside the transaction of the change)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.models.types import UTCDateTime, utcnow


class AuditEntry(Model):
    """One change made through a service. Rows are only added."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The account that made the change; None for the system (CLI, worker, scheduler).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The actor's role at the time ("member", "organizer", "staff"): a member's own page names
    #: staff as "Club staff" without looking the account up.
    actor_role: Mapped[str | None] = mapped_column(String(20))
    #: Kept as text too, so the log still says who after their account is gone.
    actor_name: Mapped[str] = mapped_column(String(300), default="")
    #: A dotted name, e.g. "registration.answered", "event.published", "member.updated".
    action: Mapped[str] = mapped_column(String(64))
    #: What was changed: a table name ("members", "registrations", …) and its id.
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    #: The member the change concerns; their entries go when their record is erased.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    #: {field: [before, after]} — never passwords, hashes or tokens.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.subject_type}:{self.subject_id} by {self.actor_id}>"
