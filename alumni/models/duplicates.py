"""Duplicate members: the other addresses a member is known by, and the log of merges (each with
what it takes to undo it). Written by alumni.services.merges."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.models.types import UTCDateTime, utcnow


class MemberEmail(Model):
    """Another address of a member: the duplicate's address kept by a merge (lower-cased). The
    duplicate finder compares these as it compares `Member.email`."""

    __tablename__ = "member_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MemberEmail {self.id} member={self.member_id} {self.email}>"


class MemberMerge(Model):
    """One merge of a duplicate member into the kept one. The ids are plain integers, not foreign
    keys: the duplicate is gone after the merge, and the log must not move with members.

    `snapshot` is {"ops": [...]}, in the order they were done; each op is one of
    {"op": "update", "table", "pk", "column", "old", "new"},
    {"op": "delete", "table", "row": {column: value}} and {"op": "insert", "table", "pk"}.
    Undo replays them backwards."""

    __tablename__ = "member_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_member_id: Mapped[int] = mapped_column(Integer, index=True)
    duplicate_member_id: Mapped[int] = mapped_column(Integer, index=True)
    #: Names at the time, so the log reads after an undo or an erasure.
    kept_name: Mapped[str] = mapped_column(String(300), default="")
    duplicate_name: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(Integer)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<MemberMerge {self.id} {self.duplicate_member_id}→{self.kept_member_id}>"
