"""The programme catalogue (stable codes; rows are seeded by a migration)."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model


class Programme(Model):
    __tablename__ = "programmes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The longest stay the programme foresees, in days (a person's stay for SSP-D / NEXUS).
    max_days: Mapped[int | None]
    #: True where Japanese participants are also sent abroad (outbound participations allowed).
    both_directions: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Programme {self.code}>"
