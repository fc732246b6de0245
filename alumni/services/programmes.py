"""The programme catalogue (its rows are written by the migration that creates the table)."""
from __future__ import annotations

from sqlalchemy import Select, select

from alumni.models import Programme


def list_programmes() -> Select[Programme]:
    return select(Programme).order_by(Programme.sort_order, Programme.code)
