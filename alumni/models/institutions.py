"""Universities, research institutes, companies and other bodies, in Japan and abroad."""
from __future__ import annotations

import enum

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.i18n import _l
from alumni.models.types import str_enum


class InstitutionKind(enum.StrEnum):
    university = "university"
    research_institute = "research_institute"
    company = "company"
    #: 関係機関 in the brochure's forum tables: funding agencies, academies, embassies and the like.
    related_organisation = "related_organisation"
    government = "government"
    other = "other"

    @property
    def label(self) -> str:
        return INSTITUTION_KIND_LABELS[self]


INSTITUTION_KIND_LABELS: dict[InstitutionKind, str] = {
    InstitutionKind.university: _l("University"),
    InstitutionKind.research_institute: _l("Research institute"),
    InstitutionKind.company: _l("Company"),
    InstitutionKind.related_organisation: _l("Related organisation"),
    InstitutionKind.government: _l("Government body"),
    InstitutionKind.other: _l("Other organisation"),
}


class Institution(Model):
    __tablename__ = "institutions"
    __table_args__ = (UniqueConstraint("name_key", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: BCP 47 tag of `name` (as the institution writes it); other languages are in `names`.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    #: {"ja": "東京大学", …}: the name in other languages (alumni.services.names reads it).
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    #: The name trimmed and case-folded: institutions are matched by (name_key, country).
    name_key: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[InstitutionKind] = mapped_column(
        str_enum(InstitutionKind, "institution_kind"), default=InstitutionKind.university
    )
    #: The Research Organization Registry id, bare ("057zh3y96", not https://ror.org/…): ORCID
    #: affiliations name their organisation by it (services/orcid.py matches on it).
    ror_id: Mapped[str | None] = mapped_column(String(16), unique=True)

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.name!r} {self.country}>"
