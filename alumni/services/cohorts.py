"""A member's cohort: the fiscal year of their first inbound participation (the earliest by start
date, then the lowest id). Reports, the directory and invitation audiences all use this one
definition.

The first inbound participation is kept on the member row (`Member.cohort`, `cohort_programme`,
`first_inbound_start`, `first_inbound_end`) so that those queries read one indexed table instead
of ranking every participation each time. It is refreshed, set-wise, for the members whose
participations changed: by the session hook below (installed on the app's session by create_app) for changes made through the ORM (the member
services, the demo data), and by `refresh_cohorts()` called from bulk writers (the CSV import).
`cohort_drift()` compares the stored values with a fresh ranking — the tests use it.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import ColumnElement, Connection, ScalarSelect, Subquery, and_, event, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, UOWTransaction, scoped_session

from alumni.models import Direction, Member, Participation

#: Members refreshed per UPDATE statement (keeps the IN list well under every driver's limit).
REFRESH_CHUNK = 1000

T = TypeVar("T")


def _first_inbound_value(column: InstrumentedAttribute[T]) -> ScalarSelect[T]:
    """A correlated scalar: `column` of the member's first inbound participation (or NULL)."""
    return (select(column)
            .where(Participation.member_id == Member.id, Participation.direction == Direction.inbound)
            .order_by(Participation.start_date, Participation.id)
            .limit(1)
            .scalar_subquery())


def _refresh_values() -> dict[InstrumentedAttribute[Any], ColumnElement[Any] | InstrumentedAttribute[Any]]:
    return {
        Member.cohort: _first_inbound_value(Participation.fiscal_year),
        Member.cohort_programme: _first_inbound_value(Participation.programme_code),
        Member.first_inbound_start: _first_inbound_value(Participation.start_date),
        Member.first_inbound_end: _first_inbound_value(Participation.end_date),
        Member.updated_at: Member.updated_at,  # derived data: not a change to the member's record
    }


def refresh_cohorts(connection_or_session: Connection | Session | scoped_session[FlaskSession], member_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored first inbound participation of these members (all when None)."""
    values = _refresh_values()
    if member_ids is None:
        connection_or_session.execute(update(Member).values(values).execution_options(synchronize_session=False))
        return
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), REFRESH_CHUNK):
        connection_or_session.execute(
            update(Member).where(Member.id.in_(ids[start:start + REFRESH_CHUNK])).values(values)
            .execution_options(synchronize_session=False))


def ranked_first_inbound() -> Subquery:
    """One row per member ever invited to Japan — member_id, programme_code, cohort, start_date,
    end_date of their first inbound participation — ranked from the participations (a window
    function): the definition the stored columns must agree with."""
    rank = func.row_number().over(
        partition_by=Participation.member_id, order_by=(Participation.start_date, Participation.id)
    ).label("rank")
    ranked = (
        select(Participation.member_id, Participation.programme_code, Participation.fiscal_year.label("cohort"),
               Participation.start_date, Participation.end_date, rank)
        .where(Participation.direction == Direction.inbound)
        .subquery("ranked_inbound")
    )
    return (
        select(ranked.c.member_id, ranked.c.programme_code, ranked.c.cohort, ranked.c.start_date,
               ranked.c.end_date)
        .where(ranked.c.rank == 1)
        .subquery("ranked_first_inbound")
    )


def cohort_drift(session: Session | scoped_session[FlaskSession]) -> list[int]:
    """Ids of members whose stored first inbound participation differs from a fresh ranking."""
    r = ranked_first_inbound()
    stmt = (
        select(Member.id)
        .outerjoin(r, r.c.member_id == Member.id)
        .where(or_(
            and_(r.c.member_id.is_(None), Member.cohort.is_not(None)),
            and_(r.c.member_id.is_not(None), or_(
                Member.cohort.is_(None), Member.cohort != r.c.cohort,
                Member.cohort_programme.is_(None), Member.cohort_programme != r.c.programme_code,
                Member.first_inbound_start.is_(None), Member.first_inbound_start != r.c.start_date,
                Member.first_inbound_end.is_(None), Member.first_inbound_end != r.c.end_date)),
        ))
        .order_by(Member.id)
    )
    return list(session.scalars(stmt))


# --- the session hook: participations changed through the ORM -------------------------------

_PENDING = "alumni_cohort_members"


def _note_changed_participations(session: Session, _flush_context: UOWTransaction) -> None:
    ids = {obj.member_id for obj in (*session.new, *session.dirty, *session.deleted)
           if isinstance(obj, Participation) and obj.member_id is not None}
    if ids:
        session.info.setdefault(_PENDING, set()).update(ids)


def _refresh_noted_members(session: Session, _flush_context: UOWTransaction) -> None:
    ids = session.info.pop(_PENDING, None)
    if not ids:
        return
    refresh_cohorts(session.connection(), ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Member) and obj.id in ids:
            session.expire(obj, ["cohort", "cohort_programme", "first_inbound_start", "first_inbound_end"])


_HOOKS = (("after_flush", _note_changed_participations), ("after_flush_postexec", _refresh_noted_members))


def install_session_hooks(target: Any) -> None:
    """Keep cohorts current on the sessions of `target` (the app's `db.session`, a sessionmaker or a
    Session subclass): called by create_app, not at import, so only the app's sessions carry the
    hook. Idempotent: a second app (tests make many) adds nothing."""
    for name, listener in _HOOKS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
