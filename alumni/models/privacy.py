"""What privacy law asks us to keep: consents a member gave (with their date) and a log of
staff looking at personal data (who, what, when)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.i18n import _l
from alumni.models.types import UTCDateTime, str_enum, utcnow


class ConsentKind(enum.StrEnum):
    #: Accepted the privacy notice when joining.
    privacy_notice = "privacy_notice"
    #: Agreed to be listed in the directory (visibility members or public).
    directory_listing = "directory_listing"


CONSENT_LABELS = {
    ConsentKind.privacy_notice: _l("Privacy notice accepted"),
    ConsentKind.directory_listing: _l("Listed in the alumni directory"),
}


class Consent(Model):
    """One consent given or withdrawn; rows are only added, so the history stays."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(str_enum(ConsentKind, "consent_kind"))
    #: True when given, False when withdrawn.
    granted: Mapped[bool]
    #: Which version of the text was accepted (alumni.services.privacy.NOTICE_VERSION), for
    #: the privacy notice; None for other kinds, and for acceptances recorded before versions.
    version: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Consent {self.id} member={self.member_id} {self.kind} {self.granted}>"


class StaffAccess(Model):
    """A staff member looked at someone's personal data."""

    __tablename__ = "staff_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Kept as text too, so the log still says who after their account is gone.
    actor_email: Mapped[str] = mapped_column(String(254))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: None for a look at many members at once (a list), or once the member deleted their account.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    #: What was looked at, e.g. "web:member_page", "api:GET /members/12".
    action: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<StaffAccess {self.id} {self.actor_email} member={self.member_id} {self.action}>"
