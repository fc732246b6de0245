"""Pagination done by the database."""
from __future__ import annotations

from sqlalchemy import func, select

from alumni.extensions import db


def paginate(stmt, page: int, per_page: int) -> tuple[list, int]:
    """One page of `stmt` and the total count, both counted by the database."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return items, total
