"""Flask-WTF forms, one module per area; and how a page shows a service error on its form."""
from __future__ import annotations

from flask import flash, g, request, session
from flask_wtf import FlaskForm as _FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import MultiDict

#: In the session: what a person typed into a form whose CSRF token had expired, for the page
#: they are sent back to ({"path": ..., "values": [[name, value], ...]}); see `keep_typed`.
KEPT_FORM = "alumni.kept_form"
#: Never kept: fields whose name contains one of these.
SECRET_FIELDS = ("password", "token", "csrf", "secret")


def keep_typed(path: str) -> None:
    """Keep the posted form (secrets and files aside) for the next GET of `path`."""
    values = [[name, value] for name, value in request.form.items(multi=True)
              if not any(secret in name.lower() for secret in SECRET_FIELDS)]
    session[KEPT_FORM] = {"path": path, "values": values}


def take_kept(path: str) -> MultiDict | None:
    """The values kept for `path` (once), or None."""
    kept = session.get(KEPT_FORM)
    if not kept or kept.get("path") != path:
        return None
    session.pop(KEPT_FORM)
    return MultiDict([tuple(pair) for pair in kept["values"]])


class FlaskForm(_FlaskForm):
    """Our forms' base: on the page a person was sent back to after an expired form, the form
    shows what they had typed (web/errors: the CSRF handler)."""

    class Meta(_FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto and request.method == "GET" and g.get("kept_form") is not None:
                return g.kept_form
            return super().wrap_formdata(form, formdata)


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
