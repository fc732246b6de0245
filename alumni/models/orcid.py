"""A member's ORCID iD, linked through ORCID's OAuth (scope /authenticate), and what reading their
public affiliations needs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.models.types import UTCDateTime, utcnow


class OrcidLink(Model):
    __tablename__ = "orcid_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    #: The 16-digit iD with its hyphens (0000-0002-1825-0097); one member record per iD.
    orcid: Mapped[str] = mapped_column(String(19), unique=True)
    #: The /authenticate token ORCID gave at the link: it reads the record's public affiliations.
    #: Never shown, logged or served by the API; gone with the link (unlink, account deletion).
    access_token: Mapped[str] = mapped_column(String(200))
    #: The name ORCID gave with the token, as the member wrote it there.
    orcid_name: Mapped[str] = mapped_column(String(300), default="")
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<OrcidLink {self.member_id} {self.orcid}>"
