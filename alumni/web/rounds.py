"""Update rounds (issue 21): the organizer's and staff's pages (start a round: audience, count per
language, the mail in each language, send; the list of rounds; a round's figures and their CSV),
and the page a member reaches through the link in their mail (no login: the signed link is the
capability, and the page shows nothing of the account but what it asks about)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from alumni.errors import Conflict, Forbidden, NotFound, ServiceError
from alumni.extensions import db
from alumni.forms import show_errors
from alumni.forms.rounds import AnswerForm, RoundForm
from alumni.i18n import LANGUAGES, _, country_name, language_name, ngettext
from alumni.models import RoundRecipient
from alumni.models.members import RETURN_PURPOSE_LABELS
from alumni.permissions import can_start_round, is_staff
from alumni.services import invitations as isvc
from alumni.services import rounds as svc
from alumni.services.paging import page_number, paginate
from alumni.web import pickers
from alumni.web.mail import fill_audience_pickers, preview_audience
from alumni.web.staff import csv_response

bp = Blueprint("rounds", __name__)
PER_PAGE = 20
MONTH_CHOICES = (6, 12, 24, 36)


def _starter() -> None:
    if not can_start_round(current_user):
        abort(403)


def _round_form() -> RoundForm:
    form = RoundForm()
    own = current_user.chapter if not is_staff(current_user) else None
    chapters = pickers.chapter_choices(first=own)
    # An organizer asks their own chapter's members only (services.rounds.scoped_audience).
    fill_audience_pickers(form, [c for c in chapters if c.value == own.code] if own is not None else chapters)
    form.unconfirmed_months.choices = [SelectChoice("", _("Any time: ask everyone chosen"))] + [
        SelectChoice(str(n), ngettext("%(num)d month or more, or never", "%(num)d months or more, or never", n))
        for n in MONTH_CHOICES]
    return form


@bp.route("/manage/rounds")
@login_required
def list_rounds():
    _starter()
    page = page_number(request.args.get("page"))
    rounds, total = paginate(svc.rounds_for(current_user), page, PER_PAGE)
    figures = svc.figures_of([r.id for r in rounds])
    return render_template("rounds/list.html", rounds=rounds, figures=figures, page=page, total=total,
                           per_page=PER_PAGE)


@bp.route("/manage/rounds/new", methods=["GET", "POST"])
@login_required
def new_round():
    """Choose the audience → see the count per language and the mail in each → send."""
    _starter()
    form = _round_form()
    count = previews = reason = None
    if form.validate_on_submit():
        try:
            audience = svc.scoped_audience(isvc.clean_audience(form.audience_values()), current_user)
            message = svc.clean_message(form.message.data)
            if request.form.get("action") == "send":
                update_round, queued, skipped = svc.start_round(audience, message=message, actor=current_user)
                db.session.commit()
                flash(_("%(queued)s requests queued, %(skipped)s skipped.", queued=queued, skipped=skipped), "info")
                return redirect(url_for("rounds.show_round", round_id=update_round.id))
            count, reason, previews = preview_audience(audience, lambda lang: svc.preview_round_mail(lang, message))
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error, prefix="audience.")
    status = 422 if form.errors else 200
    return render_template("rounds/new.html", form=form, count=count, previews=previews, reason=reason), status


def _visible_round(round_id: int):
    try:
        return svc.visible_round(current_user, round_id)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


@bp.route("/manage/rounds/<int:round_id>")
@login_required
def show_round(round_id: int):
    update_round = _visible_round(round_id)
    figures = svc.round_figures(update_round)
    by_country = [(code, country_name(code) if code else _("Country not given"), f)
                  for code, f in svc.suppressed_breakdown(figures, "by_country").items()]
    by_cohort = [(fy, _("FY%(year)s", year=fy) if fy else _("No programme in Japan"), f)
                 for fy, f in svc.suppressed_breakdown(figures, "by_cohort").items()]
    return render_template("rounds/show.html", round=update_round, figures=figures, names=svc.FIGURES,
                           by_country=by_country, by_cohort=by_cohort)


@bp.route("/manage/rounds/<int:round_id>.csv")
@login_required
def round_csv(round_id: int):
    update_round = _visible_round(round_id)
    return csv_response(svc.round_csv_rows(update_round), f"update-round-{update_round.id}.csv")


# ---------------------------------------------------------------- the member's link (no login)
def _answer_form(recipient: RoundRecipient) -> AnswerForm:
    member = recipient.member
    form = AnswerForm()
    form.country.choices = pickers.country_choices()
    form.institution_id.choices = pickers.institution_choices(None)
    form.preferred_language.choices = [SelectChoice(tag, language_name(tag)) for tag in LANGUAGES]
    if request.method == "GET":
        current = svc.current_position(member)
        if current is not None:
            form.organisation.data = current.organisation
            form.institution_id.data = str(current.institution_id or "")
            form.country.data = current.country
            form.role.data = current.role.value
        form.preferred_language.data = member.preferred_language
        form.visibility.data = member.visibility.value
    return form


def _form_values(form: AnswerForm) -> dict:
    values = {k: v for k, v in form.data.items() if k != "csrf_token"}
    values["institution_id"] = int(values["institution_id"]) if str(values["institution_id"] or "").isdigit() \
        else None
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def _refused(message: str, status: int):
    return render_template("rounds/link_refused.html", message=message), status


@bp.route("/update/<token>", methods=["GET", "POST"])
def answer(token: str):
    """Opening the link counts as opened; "Nothing changed" and "Save" answer once."""
    try:
        recipient = svc.recipient_for_token(token)
    except ServiceError as error:
        return _refused(error.message, 400)
    if recipient.answered_at is not None:
        return render_template("rounds/answered.html", recipient=recipient), 409 if request.method == "POST" else 200
    svc.open_link(recipient)
    db.session.commit()
    form = _answer_form(recipient)
    if form.validate_on_submit():
        try:
            changed = svc.answer_round(recipient, _form_values(form),
                                       unchanged=request.form.get("action") == "unchanged")
        except Conflict as error:
            db.session.rollback()
            return _refused(error.message, 409)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            return render_template("rounds/answered.html", recipient=recipient, just_now=True, changed=changed)
    member = recipient.member
    return render_template("rounds/answer.html", form=form, member=member, token=token,
                           returns=svc.returns_since_last_answer(member), purpose_labels=RETURN_PURPOSE_LABELS), 422 if form.errors else 200
