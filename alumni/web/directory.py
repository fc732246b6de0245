"""The alumni directory page."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from alumni.errors import Invalid
from alumni.services.directory import directory_choices, filters_for, search_directory
from alumni.web.pagecache import DIRECTORY_CHOICES, remembered

bp = Blueprint("directory", __name__)
PER_PAGE = 25


def _int_arg(name: str, default: int | None = None, *, low: int = 1, high: int = 10_000) -> int | None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return default
    return value if low <= value <= high else default


def _choices(viewer) -> dict:
    """The filter menus, which change rarely: computed once per PAGE_CACHE_SECONDS for each kind
    of viewer (public or alumni: they differ) rather than on every page."""
    allowed = filters_for(viewer)
    return remembered(DIRECTORY_CHOICES, ("directory-choices", tuple(sorted(allowed))), lambda: directory_choices(viewer))


@bp.route("/directory")
def directory():
    viewer = current_user if current_user.is_authenticated else None
    q = request.args.get("q", "")[:200]
    country = request.args.get("country", "").strip()[:2] or None
    programme = request.args.get("programme", "").strip()[:16] or None
    cohort = _int_arg("cohort", None, low=1900, high=2200)
    field = request.args.get("field", "")[:200]
    filters = {"q": q, "country": country, "programme": programme, "cohort": cohort, "field": field}
    page = _int_arg("page", 1, high=100_000) or 1
    error = None
    try:
        entries, total = search_directory(viewer, page=page, per_page=PER_PAGE, q=q, country=country,
                                          programme=programme, cohort=cohort, field=field)
    except Invalid as exc:  # e.g. a country code typed into the URL
        entries, total, error = [], 0, exc.message
    pages = max(1, -(-total // PER_PAGE))
    return render_template("directory/index.html", entries=entries, total=total, page=page, pages=pages,
                           filters=filters, choices=_choices(viewer), error=error,
                           full=viewer is not None, allowed=filters_for(viewer))
