"""The outbox: every message the service sends is stored here first, in the same transaction as
the change that causes it, and sent later by `flask mail deliver` workers."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.models.types import UTCDateTime, str_enum, utcnow


class MailStatus(enum.StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"


class MailPurpose(enum.StrEnum):
    """What a message is for: the outbox's own column, so nothing parses it out of a key."""

    invitation = "invitation"
    reminder = "reminder"
    update = "update"
    cancellation = "cancellation"
    promotion = "promotion"
    offer = "offer"
    feedback = "feedback"
    account = "account"
    email_change = "email_change"
    calendar_reply = "calendar_reply"
    #: An update round's request to confirm one's record, and its one reminder.
    update_round = "update_round"


class OutgoingMail(Model):
    __tablename__ = "outgoing_mail"
    __table_args__ = (
        # The delivery workers' query: due, unclaimed, in order.
        Index("ix_outgoing_mail_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What this message is about, e.g. "invite:12:345": the same key is never queued twice.
    #: Written only by alumni.services.mail_keys and never read back for its parts: the event,
    #: the member and the purpose have their own columns.
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: Messages sent together (one invitation round, one reminder run): the status page's unit.
    mailing: Mapped[str] = mapped_column(String(100), index=True, default="")
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    #: The event the message is about (invitations, reminders, updates, …), if any.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    purpose: Mapped[MailPurpose] = mapped_column(str_enum(MailPurpose, "mail_purpose"))
    language: Mapped[str] = mapped_column(String(16), default="en")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    #: An iCalendar attachment and its METHOD (REQUEST / CANCEL), if any.
    ics: Mapped[str | None] = mapped_column(Text)
    ics_method: Mapped[str | None] = mapped_column(String(16))
    #: Extra headers (List-Unsubscribe, …).
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Fixed when queued, so a message re-sent after a crash is recognisable as the same one.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"), default=MailStatus.queued)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A worker owns the message until then; after it (the worker died), others may claim it.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.kind} to {self.recipient} {self.status}>"


class MailAddressHold(Model):
    """Permanent failures per address; at two, the address is held (skipped until corrected)."""

    __tablename__ = "mail_address_holds"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    permanent_failures: Mapped[int] = mapped_column(default=0)
    held: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<MailAddressHold {self.email} held={self.held}>"


class MailRequest(Model):
    """Mail a visitor asked for that depends on whether an address has an account ("forgot my
    password"): the request stores only what was typed, the same for every address, and the
    `mail deliver` worker decides what to send (a reset or claim link, or nothing) and deletes
    the row. So the request's work and timing tell nobody who is registered."""

    __tablename__ = "mail_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What was asked for: "password-link".
    kind: Mapped[str] = mapped_column(String(40))
    #: The address as typed (the worker normalises it).
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MailRequest {self.id} {self.kind}>"
