"""Pagination done by the database."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from alumni.extensions import db


def paginate(stmt: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of `stmt` and the total count, both counted by the database."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return items, total
