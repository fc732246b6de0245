"""The programme catalogue (stable codes; rows are seeded by a migration). Names are shown from
PROGRAMME_NAMES, one set of msgids translated in every catalogue (alumni.services.names)."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.i18n import _l


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


#: The programmes' names as people read them, by code: the source (English) names of the seeded
#: catalogue, as msgids. A programme added later without an entry here shows its stored name.
PROGRAMME_NAMES: dict[str, str] = {
    "SSP-A": _l("Sakura Science Program A: science and technology experience"),
    "SSP-B": _l("Sakura Science Program B: joint research"),
    "SSP-C": _l("Sakura Science Program C: training"),
    "SSP-D": _l("Sakura Science Program D: year-round exchange with India and Africa"),
    "SSP-HS": _l("Sakura Science High School Program"),
    "SSP-STP": _l("Sakura Science invitation of S&T related personnel"),
    "LOTUS": _l("LOTUS Programme (India–Japan, master's, PhD and postdoc)"),
    "NEXUS-YTEC": _l("NEXUS Y-tec (Japan–ASEAN young talent exchange)"),
}
