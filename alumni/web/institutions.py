"""Adding a missing institution from an organizer's form ("not in the list? add it"), then back
to that form with the new (or the existing, same-named) institution chosen."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import current_user, login_required

from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.forms import show_errors
from alumni.forms.events import options
from alumni.forms.institutions import InstitutionForm
from alumni.forms.names import name_fields, names_from
from alumni.i18n import LANGUAGES, _, language_name
from alumni.permissions import can_create_institution
from alumni.services import institutions as svc
from alumni.services import validation as v
from alumni.web import pickers
from alumni.web.names import local_name_plain

bp = Blueprint("institutions", __name__, url_prefix="/manage/institutions")


def _safe_next(value: str | None) -> str | None:
    """Only our own organizer pages (no open redirect)."""
    if value and value.startswith("/manage/") and "//" not in value and "\\" not in value:
        return value
    return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_institution():
    if not can_create_institution(current_user):
        abort(403)
    form = InstitutionForm()
    form.country.choices = pickers.country_choices()
    form.language.choices = options((tag, language_name(tag)) for tag in LANGUAGES)
    if request.method == "GET":
        form.next.data = _safe_next(request.args.get("next")) or ""
        form.country.data = request.args.get("country") or "JP"
    if form.validate_on_submit():
        try:
            country = v.country(form.country.data, "country")
            existing = svc.find_institution(form.name.data, country)
            if existing is not None:
                institution = existing
                flash(_("%(name)s was already in the list; it is now chosen.", name=local_name_plain(existing)), "info")
            else:
                institution = svc.create_institution(
                    {"name": form.name.data, "country": country, "kind": form.kind.data,
                     "language": form.language.data, "names": names_from(form), "ror_id": form.ror_id.data},
                    actor=current_user)
                flash(_("%(name)s is added.", name=local_name_plain(institution)), "info")
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            back = _safe_next(form.next.data)
            if back:
                return redirect(back + ("&" if "?" in back else "?") + urlencode({"host_institution": institution.id}))
            return redirect(request.path)
    form.next.data = _safe_next(form.next.data) or ""
    return (render_template("manage/institution_form.html", form=form, name_fields=name_fields(form)),
            (422 if form.errors else 200))
