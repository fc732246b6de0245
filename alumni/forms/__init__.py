"""Flask-WTF forms, one module per area; and how a page shows a service error on its form."""
from __future__ import annotations

from flask import flash


def show_errors(form, error, *, prefix: str = "") -> None:
    """Put a ServiceError's message next to each field it names (`prefix` is stripped from the
    service's field names, e.g. "audience."); with no such field, at the top of the page."""
    placed = False
    for key, message in error.fields.items():
        name = key.removeprefix(prefix)
        if name in form:
            form[name].errors = [*list(form[name].errors), message]
            placed = True
    if not placed:
        flash(error.message, "error")
