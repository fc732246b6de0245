"""Pagination done by the database, and the one range check for integers that come from outside
(query strings, forms, JSON): pages, the API's schemas and the services all use `bounded_int`."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.i18n import _

#: Integer columns are 32-bit in both databases: a number beyond this names no row and fits no column.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MAX_PAGE = 1_000_000
#: More digits than any number we store could have (a sign and ten digits); longer text is refused
#: before it is converted (int() of 5,000 digits is slow, and Python refuses beyond 4,300).
_MAX_DIGITS = 12


def bounded_int(value: object, field: str, *, low: int = INT_MIN, high: int = INT_MAX,
                default: int | None = None) -> int | None:
    """`value` (text or a number) as an integer in [low, high]; `default` when it is missing or
    empty. Anything else — not a whole number, out of range — is Invalid, naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    result: int | None = None
    if isinstance(value, bool):
        result = None
    elif isinstance(value, int):
        result = value
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_DIGITS:
            result = int(text)
    if result is None or not low <= result <= high:
        raise Invalid(_("%(field)s must be a whole number from %(low)s to %(high)s.",
                        field=field, low=low, high=high), field=field)
    return result


def page_number(value: object, field: str = "page") -> int:
    """A page number from a query string: 1 when missing."""
    page = bounded_int(value, field, low=1, high=MAX_PAGE, default=1)
    return 1 if page is None else page


def paginate(stmt: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of `stmt` and the total count, both counted by the database."""
    page = page_number(page)
    per_page = bounded_int(per_page, "per_page", low=1, high=1000) or 1
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return items, total
