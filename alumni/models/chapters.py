"""Alumni chapters: groups for a country or region, to which organizers belong."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni.extensions import Model


class Chapter(Model):
    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: BCP 47 tag of `name`; the name in other languages is in `names`.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    #: {"ja": "インド支部", …}: the name in other languages (alumni.services.names reads it).
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    country_rows: Mapped[list[ChapterCountry]] = relationship(
        back_populates="chapter", cascade="all, delete-orphan", order_by="ChapterCountry.country"
    )

    @property
    def countries(self) -> list[str]:
        return [row.country for row in self.country_rows]

    def __repr__(self) -> str:
        return f"<Chapter {self.code}>"


class ChapterCountry(Model):
    """A country a chapter covers (ISO 3166-1 alpha-2)."""

    __tablename__ = "chapter_countries"

    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)
    chapter: Mapped[Chapter] = relationship(back_populates="country_rows")
