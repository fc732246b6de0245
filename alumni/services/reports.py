"""The programme's reports, computed by the database (GROUP BY, window functions).

Returnees follow PRODUCT.md to the letter: a qualifying record (a return visit with the
purpose, or a career entry in Japan with a matching role) that starts after the end date of
the member's first inbound participation (kept on the member row, see `services.cohorts`; its
fiscal year is the cohort); counted once per member, dated by the earliest such record.
Only returns that have HAPPENED count: a record starting after today (a planned visit, a job
offer entered ahead) is not "came back" yet (`returnees_query`, the one place of the rule).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import CTE, Float, Integer, Select, String, bindparam, case, cast, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import CareerEntry, CareerRole, Direction, Member, Participation, ReturnPurpose, ReturnVisit
from alumni.models.types import utcnow
from alumni.rules import CONFIRMED_MONTHS, SHORT_TERM_MAX_DAYS, months_before
from alumni.services import validation as v

#: What "came back as …" means: the return-visit purpose and the roles of a career in Japan.
RETURN_KINDS = {
    "research": (ReturnPurpose.research, (CareerRole.researcher, CareerRole.faculty)),
    "study": (ReturnPurpose.study, (CareerRole.student,)),
    "employment": (ReturnPurpose.employment, (CareerRole.engineer, CareerRole.entrepreneur,
                                              CareerRole.government, CareerRole.other)),
}
#: Cells under this many people are suppressed in exports "for publication".
PUBLICATION_MIN_CELL = 5


class days_between(FunctionElement[int]):
    """Whole days from `start` to `end` (end − start), in each database's own date arithmetic."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = list(element.clauses)
    return f"(CAST(julianday({compiler.process(end, **kw)}) AS INTEGER) - " \
           f"CAST(julianday({compiler.process(start, **kw)}) AS INTEGER))"


@compiles(days_between, "postgresql")
def _days_between_pg(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = list(element.clauses)
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@dataclass(frozen=True)
class ReturneeFilters:
    kind: str = "research"
    programme: str | None = None
    country: str | None = None
    fy_from: int | None = None
    fy_to: int | None = None
    field: str | None = None
    #: The day the report looks from: records starting after it have not happened yet.
    #: None = today (UTC).
    as_of: date | None = None


def clean_returnee_filters(values: Mapping[str, Any]) -> ReturneeFilters:
    """Filters from a form or a query string, checked with the usual messages."""
    kind = (values.get("as") or values.get("kind") or "research").strip()
    if kind not in RETURN_KINDS:
        raise Invalid(_("%(value)s is not allowed for %(field)s; use one of %(choices)s.",
                        value=kind, field="as", choices=", ".join(RETURN_KINDS)), field="as")
    programme = (values.get("programme") or "").strip() or None
    country = v.country(values.get("country"), required=False)
    years: dict[str, int | None] = {}
    for name in ("fy_from", "fy_to"):
        raw = values.get(name)
        if raw in (None, ""):
            years[name] = None
            continue
        years[name] = v.year(raw, name)
    if years["fy_from"] and years["fy_to"] and years["fy_from"] > years["fy_to"]:
        raise Invalid(_("The first fiscal year is after the last one."), field="fy_to")
    field = (values.get("field") or "").strip() or None
    return ReturneeFilters(kind, programme, country, years["fy_from"], years["fy_to"], field)


def selected_members(filters: ReturneeFilters) -> list[ColumnElement[bool]]:
    """The members a returnee report looks at (its cohorts, programme, country, field): the
    selection its figures and its coverage are about."""
    chosen: list[ColumnElement[bool]] = [Member.cohort.is_not(None)]
    if filters.programme:
        chosen.append(Member.cohort_programme == filters.programme)
    if filters.country:
        chosen.append(Member.country == filters.country)
    if filters.fy_from is not None:
        chosen.append(Member.cohort >= filters.fy_from)
    if filters.fy_to is not None:
        chosen.append(Member.cohort <= filters.fy_to)
    if filters.field:
        chosen.append(func.lower(Member.field).contains(filters.field.lower(), autoescape=True))
    return chosen


def confirmation_coverage(selection: Iterable[ColumnElement[bool]] = (), *,
                          now: datetime | None = None) -> dict[str, Any]:
    """How much a figure rests on: of the members `selection` chooses, how many confirmed their
    record within CONFIRMED_MONTHS (24) — {members, confirmed, share}, one query. Every report
    states it (returnees, overview: page, JSON and CSV)."""
    cutoff = months_before(now or utcnow(), CONFIRMED_MONTHS)
    members, confirmed = db.session.execute(
        select(func.count(Member.id), func.count(Member.confirmed_at).filter(Member.confirmed_at >= cutoff))
        .where(*selection)).one()
    return {"members": members, "confirmed": confirmed, "share": confirmed / members if members else 0.0}


def coverage_csv_rows(coverage: dict[str, Any], cell: Callable[[int], int | str]) -> list[list[Any]]:
    """The coverage as CSV rows (dimension "coverage"); the share is left out where a count of
    fewer than five people is suppressed (it would tell it)."""
    shown = cell(coverage["members"]) == coverage["members"] and cell(coverage["confirmed"]) == coverage["confirmed"]
    return [["coverage", "members", cell(coverage["members"])], ["coverage", "confirmed", cell(coverage["confirmed"])],
            ["coverage", "share", round(coverage["share"], 4) if shown else ""]]


def returnees_query(filters: ReturneeFilters, *, any_kind: bool = False) -> CTE:
    """One row per returnee: member_id, country, programme, cohort, end_date, returned_on,
    days_to_return — as a materialised CTE the aggregates below share. `any_kind` counts a
    return as a researcher, student or employee alike (the overview's "came back")."""
    kinds = RETURN_KINDS.values() if any_kind else [RETURN_KINDS[filters.kind]]
    purposes = [purpose for purpose, _roles in kinds]
    roles = [role for _purpose, rs in kinds for role in rs]
    today = filters.as_of or utcnow().date()
    # Every qualifying record that has begun by today: a return visit with the purpose, a career
    # in Japan in the role. A future one (planned, or entered ahead) is not a return yet.
    records = union_all(
        select(ReturnVisit.member_id, ReturnVisit.start_date).where(ReturnVisit.purpose.in_(purposes),
                                                                    ReturnVisit.start_date <= today),
        select(CareerEntry.member_id, CareerEntry.start_date).where(CareerEntry.country == "JP",
                                                                    CareerEntry.role.in_(roles),
                                                                    CareerEntry.start_date <= today),
    ).subquery("records")
    # The earliest one after the end of the member's first inbound participation (kept on the
    # member row by services.cohorts), for the members the filters select.
    chosen = [*selected_members(filters), records.c.start_date > Member.first_inbound_end]
    earliest = (
        select(records.c.member_id, func.min(records.c.start_date).label("returned_on"))
        .join(Member, Member.id == records.c.member_id)
        .where(*chosen)
        .group_by(records.c.member_id)
        .subquery("earliest")
    )
    stmt = (
        select(
            Member.id.label("member_id"), Member.country, Member.cohort_programme.label("programme"),
            Member.cohort, Member.first_inbound_end.label("end_date"), earliest.c.returned_on,
            days_between(earliest.c.returned_on, Member.first_inbound_end).label("days_to_return"),
        )
        .join(Member, Member.id == earliest.c.member_id)
    )
    return stmt.cte("returnees").prefix_with("MATERIALIZED")


def _median_select(r: CTE) -> Select[str, str, float]:
    """The median of days_to_return by ordered position (SQLite has no percentile function):
    the middle value, or the mean of the two middle ones."""
    total = select(func.count()).select_from(r).scalar_subquery()
    middle = (select(r.c.days_to_return.label("days")).order_by(r.c.days_to_return)
              .limit(2 - total % 2).offset(case((total > 0, (total - 1) // 2), else_=0))
              .subquery("middle"))
    return select(literal("median"), literal(""), func.avg(cast(middle.c.days, Float)))


def summarise_returnees(filters: ReturneeFilters) -> dict[str, Any]:
    """total, median days to return, and counts by country, programme and cohort fiscal year —
    one statement: grouped queries joined by UNION ALL over the shared, materialised CTE."""
    r = returnees_query(filters)
    grouped = union_all(
        select(literal("total").label("dim"), literal("").label("key"),
               cast(func.count(), Float).label("n")).select_from(r),
        select(literal("country"), func.coalesce(r.c.country, ""), cast(func.count(), Float)).group_by(r.c.country),
        select(literal("programme"), r.c.programme, cast(func.count(), Float)).group_by(r.c.programme),
        select(literal("fiscal_year"), cast(r.c.cohort, String(10)), cast(func.count(), Float)).group_by(r.c.cohort),
        _median_select(r),
    )
    result: dict[str, Any] = {"total": 0, "median_days_to_return": None, "by_country": {}, "by_programme": {},
              "by_fiscal_year": {}}
    for dim, key, n in db.session.execute(grouped):
        if dim == "total":
            result["total"] = int(n)
        elif dim == "median":
            result["median_days_to_return"] = None if n is None else float(n)
        else:
            result["by_" + dim][str(key)] = int(n)
    result["by_country"] = dict(sorted(result["by_country"].items(), key=lambda kv: (-kv[1], kv[0])))
    result["by_programme"] = dict(sorted(result["by_programme"].items()))
    result["by_fiscal_year"] = dict(sorted(result["by_fiscal_year"].items()))
    result["coverage"] = confirmation_coverage(selected_members(filters), now=_moment(filters.as_of))
    return result


def _moment(day: date | None) -> datetime | None:
    """The end of `day` (UTC) as the moment a report looks from; None: now."""
    return datetime.combine(day, time.max, tzinfo=UTC) if day is not None else None


def returnee_members_stmt(filters: ReturneeFilters) -> Select[Any]:
    """The member list, earliest return first: one row per returnee with their names."""
    r = returnees_query(filters)
    return (
        select(r.c.member_id.label("id"), Member.given_name, Member.family_name, Member.native_name,
               r.c.country, r.c.programme, r.c.cohort.label("fiscal_year"), r.c.returned_on,
               r.c.days_to_return, Member.field)
        .join(Member, Member.id == r.c.member_id)
        .order_by(r.c.returned_on, r.c.member_id)
    )


def list_returnees(filters: ReturneeFilters, page: int, per_page: int) -> list[dict[str, Any]]:
    stmt = returnee_members_stmt(filters).limit(per_page).offset((page - 1) * per_page)
    return [dict(row._mapping) for row in db.session.execute(stmt)]


def iter_returnees(filters: ReturneeFilters) -> Iterator[dict[str, Any]]:
    """Every returnee, streamed (for CSV)."""
    for row in db.session.execute(returnee_members_stmt(filters).execution_options(yield_per=1000)):
        yield dict(row._mapping)


RETURNEE_CSV_COLUMNS = ("id", "given_name", "family_name", "native_name", "country", "programme",
                        "fiscal_year", "returned_on", "days_to_return", "field")


# --- dispatches ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dispatches_stmt() -> Select[int, int, int | None]:
    """Built once: the direction is a bound parameter (statement construction cost more than
    the query on PostgreSQL at this scale)."""
    stay = days_between(Participation.end_date, Participation.start_date) + 1
    short = func.sum(case((stay <= SHORT_TERM_MAX_DAYS, 1), else_=0))
    return (
        select(Participation.fiscal_year, func.count(), short)
        .where(Participation.direction == bindparam("direction", type_=Participation.direction.type))
        .group_by(Participation.fiscal_year)
        .order_by(Participation.fiscal_year)
    )


def dispatches(direction: str | None = None) -> dict[str, Any]:
    """Participations per fiscal year in one direction, split short-term (≤ 30 days counting
    both ends) and mid/long-term."""
    chosen = v.choice(direction or Direction.outbound.value, Direction, "direction")
    years = {str(fy): {"total": total, "short_term": int(s or 0), "mid_long_term": total - int(s or 0)}
             for fy, total, s in db.session.execute(_dispatches_stmt(), {"direction": chosen})}
    return {"direction": chosen.value, "fiscal_years": years}


def suppress_small(n: int | None) -> str:
    """A cell of a table "for publication": counts under 5 people are not shown."""
    if n is None:
        return ""
    return f"<{PUBLICATION_MIN_CELL}" if 0 < n < PUBLICATION_MIN_CELL else str(n)


def _pins_a_small_cell(counts: Mapping[str, int], hidden: set[str]) -> bool:
    """Whether a reader who knows the hidden cells' sum (the total less the cells shown) can work
    out a small hidden count exactly: each hidden cell is at least 1 and under the threshold
    ("<5"), or at least the threshold ("≥5") when it was hidden only to protect another."""
    total = sum(counts[k] for k in hidden)
    low = {k: 1 if counts[k] < PUBLICATION_MIN_CELL else PUBLICATION_MIN_CELL for k in hidden}
    high = {k: PUBLICATION_MIN_CELL - 1 if counts[k] < PUBLICATION_MIN_CELL else total for k in hidden}
    for k in hidden:
        if counts[k] >= PUBLICATION_MIN_CELL:
            continue
        least = max(low[k], total - sum(high[j] for j in hidden if j != k))
        most = min(high[k], total - sum(low[j] for j in hidden if j != k))
        if least >= most:
            return True
    return False


def suppress_cells(counts: Mapping[str, int], *, total_known: bool) -> dict[str, int | str]:
    """A row of counts of people for readers who must not recognise anyone: counts under the
    threshold are "<5"; where the total is also shown (`total_known`: the cells add up to it),
    the smallest other counts are hidden as "≥5" too until no small count can be worked out by
    subtraction (secondary suppression). Zeros stay."""
    hidden = {k for k, n in counts.items() if 0 < n < PUBLICATION_MIN_CELL}
    while total_known and hidden and _pins_a_small_cell(counts, hidden):
        rest = sorted((n, k) for k, n in counts.items() if k not in hidden and n > 0)
        if not rest:
            break
        hidden.add(rest[0][1])
    return {k: (n if k not in hidden else suppress_small(n) if n < PUBLICATION_MIN_CELL
                else f"≥{PUBLICATION_MIN_CELL}") for k, n in counts.items()}


def publication_cell(publication: bool) -> Callable[[int], int | str]:
    """How a table writes a count of people: suppressed under `PUBLICATION_MIN_CELL` when it is
    meant for publication, as it is otherwise."""
    return suppress_small if publication else (lambda n: n)


def returnee_csv_rows(filters: ReturneeFilters, *, publication: bool = False) -> list[list[Any]]:
    """The returnee report as CSV rows: every returnee with the report's columns (for staff
    work), or, for publication, the counts only, each cell under 5 people suppressed, and others
    with them where the total would give a small one away (`suppress_cells`)."""
    if publication:
        summary = summarise_returnees(filters)
        rows: list[list[Any]] = [["dimension", "key", "members"], ["total", "", suppress_small(summary["total"])]]
        for dim in ("by_country", "by_programme", "by_fiscal_year"):
            cells = suppress_cells({str(k): n for k, n in summary[dim].items()}, total_known=True)
            rows += [[dim.removeprefix("by_"), key, cells[str(key)]] for key in summary[dim]]
        return rows + coverage_csv_rows(summary["coverage"], suppress_small)
    rows = [list(RETURNEE_CSV_COLUMNS)]
    rows += [["" if r[c] is None else r[c] for c in RETURNEE_CSV_COLUMNS] for r in iter_returnees(filters)]
    return rows
