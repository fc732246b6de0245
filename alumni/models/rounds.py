"""Update rounds (issue 21): staff or a chapter's organizers ask an audience of members to confirm
or update their record through a signed link; one row per recipient follows what happened."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni.extensions import Model
from alumni.models.chapters import Chapter
from alumni.models.members import Member
from alumni.models.types import UTCDateTime, utcnow


class UpdateRound(Model):
    __tablename__ = "update_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who started it (None once their account is gone).
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The chapter whose organizers may follow the round; None: staff only.
    chapter_id: Mapped[int | None] = mapped_column(ForeignKey("chapters.id", ondelete="SET NULL"), index=True)
    #: The audience as chosen (services.invitations.Audience.as_dict()).
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: A few words from whoever started it, put into every mail as written.
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    chapter: Mapped[Chapter | None] = relationship()

    def __repr__(self) -> str:
        return f"<UpdateRound {self.id}>"


class RoundRecipient(Model):
    """One member asked in one round: the signed link in their mail names this row."""

    __tablename__ = "round_recipients"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        #: Reminders: the round's recipients who have not answered.
        Index("ix_round_recipients_round_answered", "round_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("update_rounds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    #: When the outbox delivered the mail (set by the worker's mail_sent signal).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The first time the link was opened.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the member answered; the link changes nothing after it.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether the answer changed the record ("nothing changed": False).
    changed: Mapped[bool] = mapped_column(default=False)
    #: When the one reminder was queued.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()
    round: Mapped[UpdateRound] = relationship()

    def __repr__(self) -> str:
        return f"<RoundRecipient {self.id} round {self.round_id} member {self.member_id}>"
