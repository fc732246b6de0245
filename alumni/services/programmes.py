"""The programme catalogue (its rows are written by the migration that creates the table)."""
from __future__ import annotations

from sqlalchemy import Select, select

from alumni.extensions import db
from alumni.models import Programme
from alumni.services.names import programme_name


def list_programmes() -> Select[Programme]:
    return select(Programme).order_by(Programme.sort_order, Programme.code)


def programme_names() -> dict[str, str]:
    """{code: name} in catalogue order (a report's filter), each name from the translated
    catalogue in the current locale."""
    return {p.code: programme_name(p.code, p.name) for p in db.session.scalars(list_programmes())}
