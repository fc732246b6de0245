"""A member's cohort: the fiscal year of their first inbound participation (the earliest by start
date). Reports, the directory and invitation audiences all use this one definition."""
from __future__ import annotations

from sqlalchemy import func, select

from alumni.models import Direction, Participation


def first_inbound_participation(member_ids=None):
    """A subquery with one row per member who was ever invited to Japan:
    member_id, programme_code, cohort (fiscal year), start_date, end_date.
    `member_ids` (a select of member ids) restricts it to those members — the same answer for
    each of them, with less for the database to rank."""
    rank = func.row_number().over(
        partition_by=Participation.member_id, order_by=(Participation.start_date, Participation.id)
    ).label("rank")
    inbound = [Participation.direction == Direction.inbound]
    if member_ids is not None:
        inbound.append(Participation.member_id.in_(member_ids))
    ranked = (
        select(
            Participation.member_id,
            Participation.programme_code,
            Participation.fiscal_year.label("cohort"),
            Participation.start_date,
            Participation.end_date,
            rank,
        )
        .where(*inbound)
        .subquery("ranked_inbound")
    )
    return (
        select(ranked.c.member_id, ranked.c.programme_code, ranked.c.cohort,
               ranked.c.start_date, ranked.c.end_date)
        .where(ranked.c.rank == 1)
        .subquery("first_inbound")
    )
