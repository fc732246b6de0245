"""Pages that ask before a destructive action (cancel an event, delete a record, release a held
address, retry a mailing). Our CSP forbids inline handlers, so no `confirm()`: the action's form
posts to its endpoint, which answers this page unless the post carries confirmed=1; the page says
what will happen (who gets mail, what is kept) and its button posts again, confirmed."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import render_template, request


def is_confirmed() -> bool:
    """The POST came from the confirmation page's own button."""
    return request.method == "POST" and request.form.get("confirmed") == "1"


def ask_first(*, title: str, subject: str = "", lead: str, happens: Iterable[str], kept: Iterable[str] = (), action: str,
              button: str, back: str, fields: Mapping[str, str] | None = None):
    """The confirmation page: `subject` what it is about (user text, shown isolated for
    right-to-left pages); `happens` and `kept` are sentences; `action` the URL the button
    posts to (with `fields` as hidden inputs and confirmed=1); `back` where "Go back" leads."""
    return render_template("confirm.html", title=title, subject=subject, lead=lead, happens=list(happens), kept=list(kept),
                           action=action, button=button, back=back, fields=dict(fields or {}))
