"""The staff overview: members by country, programme and cohort, who came back, where alumni
work now. Every figure is a GROUP BY in the database; Python only arranges the few rows."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import case, func, select

from alumni.extensions import db
from alumni.models import (
    CareerEntry,
    Direction,
    Event,
    EventStatus,
    Member,
    Participation,
    Registration,
    RegistrationStatus,
)
from alumni.models.types import utcnow
from alumni.rules import fiscal_year
from alumni.services.reports import (
    ReturneeFilters,
    confirmation_coverage,
    coverage_csv_rows,
    dispatches,
    publication_cell,
    returnees_query,
    suppress_cells,
)

TOP_COUNTRIES = 20


def members_by_country(top: int = TOP_COUNTRIES) -> tuple[list[tuple[str, int]], int]:
    """The `top` countries of origin by members, and how many members the others hold."""
    rows = db.session.execute(
        select(func.coalesce(Member.country, ""), func.count()).group_by(Member.country)
        .order_by(func.count().desc(), Member.country)).all()
    return [(c, n) for c, n in rows[:top]], sum(n for _c, n in rows[top:])


def cohorts_by_programme() -> dict[str, dict[int, int]]:
    """{programme: {cohort fiscal year: members}} from each member's first inbound participation."""
    table: dict[str, dict[int, int]] = {}
    for code, cohort, n in db.session.execute(
            select(Member.cohort_programme, Member.cohort, func.count()).where(Member.cohort.is_not(None))
            .group_by(Member.cohort_programme, Member.cohort)
            .order_by(Member.cohort_programme, Member.cohort)):
        # Not NULL: the WHERE keeps members with a cohort, and a cohort comes with its programme.
        table.setdefault(cast(str, code), {})[cast(int, cohort)] = n
    return table


def came_back_by_cohort(by_programme: dict[str, dict[int, int]] | None = None) -> list[dict[str, Any]]:
    """Per cohort: members invited to Japan, and how many came back after it (as a researcher,
    student or employee), with the share. Cohort sizes are summed from `cohorts_by_programme()`
    when the caller has it already."""
    if by_programme is None:
        by_programme = cohorts_by_programme()
    sizes: dict[int, int] = {}
    for years in by_programme.values():
        for fy, n in years.items():
            sizes[fy] = sizes.get(fy, 0) + n
    back = returnees_query(ReturneeFilters(), any_kind=True)
    returned: dict[int, int]
    returned = dict(db.session.execute(select(back.c.cohort, func.count()).group_by(back.c.cohort)).all())
    return [{"fiscal_year": fy, "members": n, "came_back": returned.get(fy, 0),
             "share": returned.get(fy, 0) / n if n else 0.0} for fy, n in sorted(sizes.items())]


def where_alumni_work_now() -> dict[str, list[tuple[str, int]]]:
    """Members by the country of their current career entry (open end date); and, for the
    Japanese participants sent abroad (outbound), those now working outside Japan."""
    members = func.count(func.distinct(CareerEntry.member_id))
    by_country = (select(CareerEntry.country, members).where(CareerEntry.end_date.is_(None))
                  .group_by(CareerEntry.country).order_by(members.desc(), CareerEntry.country))
    everyone = db.session.execute(by_country).all()
    outbound = select(Participation.member_id).where(Participation.direction == Direction.outbound)
    japanese_abroad = db.session.execute(
        by_country.where(CareerEntry.member_id.in_(outbound), CareerEntry.country != "JP")).all()
    return {"all": [(c, n) for c, n in everyone], "japanese_abroad": [(c, n) for c, n in japanese_abroad]}


def events_held(now: datetime | None = None) -> list[dict[str, Any]]:
    """Per fiscal year of the start date: events held (published and over; cancelled ones were
    not held), the confirmed seats ("yes") and the people checked in at the door — one grouped
    query per event, summed by year here (events are few)."""
    current = (now or utcnow()).astimezone(UTC).replace(tzinfo=None)
    confirmed = func.coalesce(func.sum(case((Registration.status == RegistrationStatus.yes, 1), else_=0)), 0)
    attended = func.count(Registration.checked_in_at)
    rows = db.session.execute(
        select(Event.starts_at, confirmed, attended)
        .outerjoin(Registration, Registration.event_id == Event.id)
        .where(Event.status == EventStatus.published, Event.ends_at < current)
        .group_by(Event.id, Event.starts_at))
    years: dict[int, dict[str, Any]] = {}
    for starts_at, yes, came in rows:
        fy = fiscal_year(starts_at.date())
        year = years.setdefault(fy, {"fiscal_year": fy, "events": 0, "confirmed": 0, "attended": 0})
        year["events"] += 1
        year["confirmed"] += int(yes)
        year["attended"] += int(came)
    for year in years.values():
        year["attendance_rate"] = year["attended"] / year["confirmed"] if year["confirmed"] else None
    return [years[fy] for fy in sorted(years)]


def overview() -> dict[str, Any]:
    top, rest = members_by_country()
    by_programme = cohorts_by_programme()
    cohorts = came_back_by_cohort(by_programme)
    invited = sum(c["members"] for c in cohorts)
    came_back = sum(c["came_back"] for c in cohorts)
    return {
        "members": db.session.scalar(select(func.count(Member.id))),
        "by_country": top, "other_countries": rest,
        "by_programme": by_programme,
        "by_cohort": cohorts,
        "invited": invited, "came_back": came_back,
        "came_back_share": came_back / invited if invited else 0.0,
        "work_now": where_alumni_work_now(),
        "events_held": events_held(),
        "coverage": confirmation_coverage(),
    }


def overview_csv_rows(*, publication: bool = False) -> list[tuple[str, object, object, object]]:
    """The overview's numbers as CSV rows (table, key, subkey, members); for publication every
    count of people under 5 is suppressed (reports.suppress_small), the number of events never."""
    cell = publication_cell(publication)
    data = overview()
    rows: list[tuple[str, object, object, object]] = [("table", "key", "subkey", "members")]
    by_country = dict(data["by_country"]) | {"other": data["other_countries"]}
    # The countries add up to the members counted (the coverage rows): for publication no small
    # count may be worked out from them (reports.suppress_cells).
    shown = suppress_cells(by_country, total_known=True) if publication else by_country
    rows += [("members_by_country", c, "", shown[c]) for c in by_country]
    rows += [("cohort_by_programme", code, fy, cell(n))
             for code, years in data["by_programme"].items() for fy, n in years.items()]
    rows += [("came_back_by_cohort", c["fiscal_year"], "", cell(c["came_back"])) for c in data["by_cohort"]]
    rows += [("work_now", c, "", cell(n)) for c, n in data["work_now"]["all"]]
    rows += [("japanese_abroad_work_now", c, "", cell(n)) for c, n in data["work_now"]["japanese_abroad"]]
    for y in data["events_held"]:  # the number of events is no person: never suppressed
        rows += [("events_held", y["fiscal_year"], "events", y["events"]),
                 ("events_held", y["fiscal_year"], "confirmed", cell(y["confirmed"])),
                 ("events_held", y["fiscal_year"], "attended", cell(y["attended"]))]
    rows += [(dim, key, "", n) for dim, key, n in coverage_csv_rows(data["coverage"], cell)]
    for fy, y in dispatches("outbound")["fiscal_years"].items():
        rows += [("outbound_dispatches", fy, "short_term", cell(y["short_term"])),
                 ("outbound_dispatches", fy, "mid_long_term", cell(y["mid_long_term"]))]
    return rows
