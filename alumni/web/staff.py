"""Staff pages: member import, the returnee report, the programme overview (all staff only)."""
from __future__ import annotations

import hashlib
import io
from functools import wraps
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.forms.staff import ImportForm
from alumni.i18n import _, country_name
from alumni.permissions import can_view_reports
from alumni.services import csvsafe, reports
from alumni.services import imports as imports_svc
from alumni.services import overview as overview_svc
from alumni.services.import_jobs import enqueue_import, get_import_job, recent_import_jobs
from alumni.services.paging import page_number
from alumni.services.programmes import programme_names
from alumni.web.charts import bar_chart, stacked_chart, world_map
from alumni.web.members import country_choices

bp = Blueprint("staff", __name__, url_prefix="/staff")
PER_PAGE = 50


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not can_view_reports(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def csv_response(rows, filename: str) -> Response:
    out = io.StringIO()
    csvsafe.writer(out, lineterminator="\n").writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- import --------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_page():
    """The upload only stores the file and queues a job (services/import_jobs.py); the job's page
    follows its progress. No request waits for an import, so no timeout can cut one."""
    form = ImportForm()
    error = None
    preview = None
    if form.validate_on_submit() and form.preview.data:
        # The first rows as the import will read them; nothing is stored.
        try:
            preview = imports_svc.preview_rows(form.file.data.read(), form.file.data.filename or "")
        except ServiceError as exc:
            error = exc.message
    elif form.validate_on_submit():
        try:
            job = enqueue_import(form.file.data.read(), form.file.data.filename or "",
                                 dry_run=bool(form.dry_run.data), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            return redirect(url_for("staff.import_job", job_id=job.id), 303)
    status = 422 if (error or (request.method == "POST" and form.errors)) else 200
    return render_template("staff/import.html", form=form, error=error, jobs=recent_import_jobs(),
                           preview=preview, columns=imports_svc.COLUMNS), status


@bp.route("/import/template.csv", defaults={"kind": "csv"})
@bp.route("/import/template.xlsx", defaults={"kind": "xlsx"})
@staff_required
def import_template(kind: str):
    """The import's header and one example row, to fill in."""
    if kind == "csv":
        return csv_response([list(imports_svc.COLUMNS), list(imports_svc.EXAMPLE_ROW)], "members-template.csv")
    return Response(imports_svc.template_xlsx(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="members-template.xlsx"'})


@bp.route("/import/columns")
@staff_required
def import_docs():
    """The column reference (docs/import.md), as the text it is."""
    path = Path(__file__).resolve().parents[2] / "docs" / "import.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        abort(404)
    return Response(text, mimetype="text/plain")


@bp.route("/imports/<int:job_id>")
@staff_required
def import_job(job_id: int):
    job = get_import_job(job_id)
    if job is None:
        abort(404)
    return render_template("staff/import_job.html", job=job)


# --- returnees -----------------------------------------------------------------------------


def _filters_from_request():
    try:
        return reports.clean_returnee_filters(request.args), {}
    except ServiceError as exc:
        return None, exc.fields


@bp.route("/returnees")
@staff_required
def returnees():
    filters, errors = _filters_from_request()
    programmes = programme_names()
    # The CSV links carry the report's filters, not the page's own paging or a stray `publication`.
    csv_args = {k: v for k, v in request.args.items() if k not in ("page", "publication")}
    context = {"args": request.args, "csv_args": csv_args, "errors": errors, "kinds": reports.RETURN_KINDS,
               "programmes": programmes, "countries": country_choices()[1:]}
    if filters is None:
        return render_template("staff/returnees.html", report=None, **context), 422
    page = page_number(request.args.get("page"))
    summary = reports.summarise_returnees(filters)
    members = reports.list_returnees(filters, page, PER_PAGE)
    charts = {
        "country": bar_chart(_("Returnees by country of origin"), _named(list(summary["by_country"].items())[:20]),
                             horizontal=True),
        "programme": bar_chart(_("Returnees by programme"), list(summary["by_programme"].items())),
        "fiscal_year": bar_chart(_("Returnees by cohort fiscal year"), list(summary["by_fiscal_year"].items())),
    }
    pages = max((summary["total"] + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template("staff/returnees.html", report=summary, members=members, charts=charts,
                           page=page, pages=pages, filters=filters, **context)


@bp.route("/returnees.csv")
@staff_required
def returnees_csv():
    """Every returnee (for staff work), or with ?publication=1 the counts only, cells under 5 suppressed."""
    filters, _errors = _filters_from_request()
    if filters is None:
        abort(422)
    publication = bool(request.args.get("publication"))
    return csv_response(reports.returnee_csv_rows(filters, publication=publication),
                        f"returnees-{filters.kind}-publication.csv" if publication else f"returnees-{filters.kind}.csv")


# --- overview ------------------------------------------------------------------------------


@bp.route("/")
@staff_required
def overview():
    data = overview_svc.overview()
    dispatch = reports.dispatches("outbound")["fiscal_years"]
    by_country = data["by_country"] + ([(_("Other countries"), data["other_countries"])]
                                       if data["other_countries"] else [])
    charts = {
        "country": bar_chart(_("Members by country of origin (top 20 and the rest)"), _named(by_country),
                             horizontal=True),
        "came_back": bar_chart(_("Came back to Japan, by cohort fiscal year"),
                               [(c["fiscal_year"], c["came_back"]) for c in data["by_cohort"]]),
        "work_now": bar_chart(_("Where alumni work now (current career entry)"),
                              _named(data["work_now"]["all"][:25]), horizontal=True),
        "dispatches": stacked_chart(_("Japanese participants sent abroad, by fiscal year"), list(dispatch), {
            _("Short-term (30 days or less)"): [y["short_term"] for y in dispatch.values()],
            _("Mid/long-term (more than 30 days)"): [y["mid_long_term"] for y in dispatch.values()],
        }),
    }
    cohort_years = sorted({fy for years in data["by_programme"].values() for fy in years})
    return render_template("staff/overview.html", data=data, charts=charts, dispatch=dispatch,
                           by_country=by_country, cohort_years=cohort_years)


WORK_MAPS = ("all", "japanese_abroad")


@bp.route("/work-map.svg")
@staff_required
def work_map():
    """The world map of where alumni work now (?who=all), or of the Japanese participants sent
    abroad who now work outside Japan (?who=japanese_abroad). An image of its own: it is large,
    and the browser keeps it (ETag) while the numbers stay the same."""
    who = request.args.get("who", "all")
    if who not in WORK_MAPS:
        abort(400, description=_("%(value)s is not allowed for %(field)s; use one of %(choices)s.",
                                 value=who, field="who", choices=", ".join(WORK_MAPS)))
    counts = overview_svc.where_alumni_work_now()[who]
    title = (_("Where alumni work now (current career entry)") if who == "all"
             else _("Japanese participants sent abroad, now working outside Japan"))
    response = Response(world_map(title, _("Members"), counts), mimetype="image/svg+xml")
    response.set_etag(hashlib.sha256(repr((who, counts, str(get_locale()))).encode()).hexdigest()[:32])
    response.cache_control.private = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@bp.route("/overview.csv")
@staff_required
def overview_csv():
    """The overview's numbers; with ?publication=1 every cell under 5 people is suppressed."""
    publication = bool(request.args.get("publication"))
    return csv_response(overview_svc.overview_csv_rows(publication=publication),
                        "overview-publication.csv" if publication else "overview.csv")


@bp.context_processor
def staff_template_globals() -> dict:
    return {"country_name": country_name}


def _named(pairs) -> list[tuple[str, int]]:
    """Chart labels: country names in the page's language instead of codes."""
    return [(country_name(code), n) for code, n in pairs]


