"""CSV cells that a spreadsheet will not run (CSV/formula injection, OWASP).

A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets; a name like `=HYPERLINK("http://evil","click")` typed into a
profile must arrive in the organizer's spreadsheet as text. Such cells get a leading apostrophe,
the spreadsheets' own "this is text" mark. Numbers, dates and other non-text values are
written as they are (a count of -1 stays a number).

The members export is read back by the members import, so it must survive the round trip:
`escape_cell` also marks cells that already begin with an apostrophe, and `unescape_cell` (the
import) removes exactly one mark where `escape_cell` would have put one. export → import is a
no-op, and an apostrophe a person typed at the start of a hand-written file is kept unless a
formula character follows it.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MARK = "'"


def neutralise(value: object) -> object:
    """A cell for a spreadsheet: text beginning with a formula character gets the mark."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return MARK + value
    return value


def escape_cell(value: str) -> str:
    """Like `neutralise`, reversibly (for the members export, which the import reads)."""
    if value.startswith(FORMULA_STARTS) or value.startswith(MARK):
        return MARK + value
    return value


def unescape_cell(value: str) -> str:
    """What the import reads: one mark removed where `escape_cell` would have added it."""
    if value.startswith(MARK) and value[1:2] and value[1:2] in (*FORMULA_STARTS, MARK):
        return value[1:]
    return value


class SafeWriter:
    """csv.writer whose every cell is neutralised."""

    def __init__(self, stream: SupportsWrite[str], *, reversible: bool = False, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)
        self._clean: Callable[[object], object]
        self._clean = (lambda c: escape_cell(c) if isinstance(c, str) else c) if reversible else neutralise

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([self._clean(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: SupportsWrite[str], **kwargs: Any) -> SafeWriter:
    return SafeWriter(stream, **kwargs)
