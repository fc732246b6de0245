"""The alumni directory: members who chose to be visible, searched by name in any script and
filtered by country, programme, cohort and field. Hidden members are left out by the query
itself, so they appear neither in the rows nor in the count."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, func, select

from alumni.extensions import db
from alumni.models import Member, Participation, Programme, User, Visibility
from alumni.services import validation as v
from alumni.services.search import fold


@dataclass
class DirectoryEntry:
    member: Member
    cohort: int | None
    programmes: list[str]
    #: Public visitors see name, country and programme only.
    full: bool


def visible_levels(viewer: User | None) -> tuple[Visibility, ...]:
    if viewer is not None and viewer.is_authenticated:
        return (Visibility.members, Visibility.public)
    return (Visibility.public,)


#: What the public directory shows of a listed member (name, country, programmes), and so the
#: filters a public visitor may use; logged-in alumni also see the cohort and the field.
PUBLIC_FILTERS = frozenset({"q", "country", "programme"})
ALUMNI_FILTERS = PUBLIC_FILTERS | {"cohort", "field"}


def filters_for(viewer: User | None) -> frozenset[str]:
    """The filters the viewer may use: only on what they are shown. A filter on a hidden field
    would tell them its value one query at a time."""
    return ALUMNI_FILTERS if viewer is not None and viewer.is_authenticated else PUBLIC_FILTERS


def directory_query(viewer: User | None, *, q: str = "", country: str | None = None,
                    programme: str | None = None, cohort: int | None = None, field: str = "") -> Select[Member]:
    """The members the viewer may find with these filters, in name order. Filters on what the
    viewer is not shown (filters_for) are not applied."""
    allowed = filters_for(viewer)
    if "cohort" not in allowed:
        cohort = None
    if "field" not in allowed:
        field = ""
    stmt = (
        select(Member)
        .where(Member.visibility.in_(visible_levels(viewer)))
        .order_by(Member.family_name, Member.given_name, Member.id)
    )
    # Every word must appear in one of the names; both sides folded the same way.
    for word in fold(q).split():
        stmt = stmt.where(Member.search_key.contains(word, autoescape=True))
    if country:
        stmt = stmt.where(Member.country == v.country(country))
    if programme:
        stmt = stmt.where(exists().where(Participation.member_id == Member.id,
                                         Participation.programme_code == programme))
    if cohort is not None:
        stmt = stmt.where(Member.cohort == cohort)
    if field.strip():
        stmt = stmt.where(Member.field.ilike(f"%{_escape_like(field.strip())}%", escape="\\"))
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_directory(viewer: User | None, *, page: int = 1, per_page: int = 25, q: str = "",
                     country: str | None = None, programme: str | None = None, cohort: int | None = None,
                     field: str = "") -> tuple[list[DirectoryEntry], int]:
    """One page of the directory and the total, in three small queries: the count, the page,
    and the page's programmes and cohorts (never one query per member)."""
    stmt = directory_query(viewer, q=q, country=country, programme=programme, cohort=cohort, field=field)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    members = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    ids = [m.id for m in members]
    programmes: dict[int, list[str]] = {i: [] for i in ids}
    cohorts: dict[int, int] = {}
    if ids:
        for member_id, code in db.session.execute(
            select(Participation.member_id, Participation.programme_code)
            .where(Participation.member_id.in_(ids)).distinct()
            .order_by(Participation.member_id, Participation.programme_code)
        ):
            programmes[member_id].append(code)
        cohorts = {m.id: m.cohort for m in members if m.cohort is not None}
    full = viewer is not None and viewer.is_authenticated
    return [DirectoryEntry(m, cohorts.get(m.id), programmes[m.id], full) for m in members], total


def directory_choices(viewer: User | None = None) -> dict[str, list[str] | list[int]]:
    """Values for the filter menus: the countries and cohorts of the members the viewer may
    find (a menu must not tell where members live who are not listed for them), and no cohorts
    for a viewer who may not filter on them."""
    listed = Member.visibility.in_(visible_levels(viewer))
    cohorts: list[int] = []
    if "cohort" in filters_for(viewer):
        cohorts = list(db.session.scalars(
            select(Member.cohort).where(listed, Member.cohort.is_not(None)).distinct().order_by(Member.cohort.desc())))
    countries: list[str] = [c for c in db.session.scalars(
        select(Member.country).where(listed, Member.country.is_not(None)).distinct().order_by(Member.country))
        if c is not None]
    return {
        "countries": countries,
        "programmes": list(db.session.scalars(select(Programme.code).order_by(Programme.sort_order))),
        "cohorts": cohorts,
    }
