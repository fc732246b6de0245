"""Issued documents (issue 22): certificates of attendance and of participation, invitation
letters for visa purposes. Each has a random, unguessable code that anyone can check at
/verify/d/{code}; staff can revoke one."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni.extensions import Model
from alumni.models.accounts import User
from alumni.models.events import Registration
from alumni.models.members import Member, Participation
from alumni.models.types import UTCDateTime, str_enum


class DocumentKind(enum.StrEnum):
    attendance = "attendance"  # checked in at an event (a registration)
    participation = "participation"  # took part in a programme (a participation)
    invitation_letter = "invitation_letter"  # a forum delegate travelling to Japan (a registration)


class Document(Model):
    """One issued (or, for a letter, requested) document. The PDF is rendered again from the
    record on each download; the row is what /verify/d/{code} answers from."""

    __tablename__ = "documents"
    __table_args__ = (
        # One live (not revoked) document of a kind per registration and per participation: two
        # first downloads at the same moment cannot issue two certificates (documents._issue).
        Index("one_live_document_per_registration", "kind", "registration_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
        Index("one_live_document_per_participation", "kind", "participation_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 144 random bits, URL-safe; the verification URL and the QR carry it.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    participation_id: Mapped[int | None] = mapped_column(
        ForeignKey("participations.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    #: A letter requested by the member and not yet issued by staff.
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    member: Mapped[Member | None] = relationship()
    registration: Mapped[Registration | None] = relationship()
    participation: Mapped[Participation | None] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.kind} member={self.member_id}>"
