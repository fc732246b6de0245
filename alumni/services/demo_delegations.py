"""The past forums' delegations for the demo, from the seed brochure's tables (who took part, by
side and kind of institution; heads of universities by side). Each institution of a row is a
demo institution with one demo delegate registered yes for it, so that the forum's summary
(`registrations.summarise`, the organizers' page, GET /api/v1/events/{id}/summary) reproduces
the brochure's row. Loading twice adds nothing: an event that has registrations is left alone.

The brochure's "universities and research institutes" (大学・研究機関) is one count; the demo
splits it (one in seven a research institute), the summary's two kinds add up to it."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import (
    Event,
    Institution,
    InstitutionKind,
    Member,
    Registration,
    RegistrationStatus,
    Response,
    Visibility,
)
from alumni.services.events import find_event_by_slug
from alumni.services.institutions import find_or_create_institution
from alumni.services.search import member_search_key

#: Kind of a brochure column; "university_or_institute" is the brochure's 大学・研究機関.
UNIVERSITY_OR_INSTITUTE = "university_or_institute"

#: Event slug → (side, kind, how many), as the brochure's tables give them.
DELEGATIONS: dict[str, list[tuple[str, str, int]]] = {
    # 第一回日印大学等フォーラム: インド側9大学、日本側21大学・研究機関、1関係機関
    "ijuf-1": [("IN", "university", 9), ("JP", UNIVERSITY_OR_INSTITUTE, 21), ("JP", "related_organisation", 1)],
    # 第二回: インド側10大学、日本側21大学・研究機関、2関係機関、3企業
    "ijuf-2": [("IN", "university", 10), ("JP", UNIVERSITY_OR_INSTITUTE, 21), ("JP", "related_organisation", 2),
               ("JP", "company", 3)],
    # 第三回: インド側33大学、日本側28大学・研究機関、6関係機関、5企業
    "ijuf-3": [("IN", "university", 33), ("JP", UNIVERSITY_OR_INSTITUTE, 28), ("JP", "related_organisation", 6),
               ("JP", "company", 5)],
    # 日本・アフリカ大学交流会議2023: アフリカ側9大学、日本側18大学・2機関
    "jauec-2023": [("AFRICA", "university", 9), ("JP", "university", 18), ("JP", "other", 2)],
    # アジア大学フォーラム: 学長等 日本10名、中国9名、ASEAN諸国8名 / 日本11名、中国10名、ASEAN諸国9名
    "auf-1": [("JP", "university", 10), ("CN", "university", 9), ("ASEAN", "university", 8)],
    "auf-2": [("JP", "university", 11), ("CN", "university", 10), ("ASEAN", "university", 9)],
}

#: The country of a side's demo institutions and delegates.
SIDE_COUNTRY = {"IN": "IN", "JP": "JP", "CN": "CN", "ASEAN": "TH", "AFRICA": "KE"}
NAMES = {"university": "Demo University", "research_institute": "Demo Research Institute",
         "related_organisation": "Demo Related Organisation", "company": "Demo Company", "other": "Demo Institution"}


def _kinds(kind: str, count: int) -> list[str]:
    """The kind of each of `count` institutions of a brochure column."""
    if kind != UNIVERSITY_OR_INSTITUTE:
        return [kind] * count
    institutes = count // 7
    return ["university"] * (count - institutes) + ["research_institute"] * institutes


def _delegate(slug: str, side: str, n: int) -> Member:
    email = f"delegate.{slug}.{side.lower()}.{n:02d}@alumni.example"
    member = db.session.scalar(select(Member).where(Member.email == email))
    if member is None:
        given, family = "Delegate", f"{side} {n:02d}"
        member = Member(email=email, given_name=given, family_name=family, native_name="", family_name_first=False,
                        country=SIDE_COUNTRY[side], preferred_language="en", timezone="UTC", field="",
                        visibility=Visibility.hidden, search_key=member_search_key(given, family, ""))
        db.session.add(member)
    return member


def _institutions(side: str, kind: str, count: int, taken: dict[str, int]) -> list[Institution]:
    found = []
    for each in _kinds(kind, count):
        taken[each] = taken.get(each, 0) + 1
        found.append(find_or_create_institution(f"{NAMES[each]} {side}-{taken[each]:02d}", SIDE_COUNTRY[side],
                                                InstitutionKind(each)))
    return found


def load_event_delegations(event: Event, rows: list[tuple[str, str, int]], slug: str) -> int:
    """One yes-registration per institution of the brochure's row; answers how many."""
    added = 0
    taken: dict[str, dict[str, int]] = {}  # per side: how many of each kind so far
    for side, kind, count in rows:
        for institution in _institutions(side, kind, count, taken.setdefault(side, {})):
            added += 1
            db.session.add(Registration(
                event_id=event.id, member=_delegate(slug, side, added), response=Response.yes,
                status=RegistrationStatus.yes, institution=institution, side=side,
                ticket_token=secrets.token_urlsafe(32)))
    return added


def load_demo_delegations() -> int:
    """The delegations of the past forums that have none yet; answers how many registrations."""
    added = 0
    for slug, rows in DELEGATIONS.items():
        event = find_event_by_slug(slug)
        if event is None or db.session.scalar(
                select(func.count(Registration.id)).where(Registration.event_id == event.id)):
            continue
        added += load_event_delegations(event, rows, slug)
        db.session.flush()
    return added
