"""A member's own pages (/me: profile, participations, careers, return visits) and the page
of one member as others may see it (/members/<id>)."""
from __future__ import annotations

from collections.abc import Callable

import pycountry
from babel.dates import format_date
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from alumni.errors import NotFound, ServiceError
from alumni.extensions import db
from alumni.forms import FlaskForm, show_errors
from alumni.forms.events import ActionForm
from alumni.forms.members import VISIBILITY_HELP, CareerForm, ParticipationForm, ProfileForm, ReturnForm
from alumni.i18n import LANGUAGES, _, country_name, language_name
from alumni.models import Institution, Programme
from alumni.models.members import CAREER_ROLE_LABELS, DIRECTION_LABELS, RETURN_PURPOSE_LABELS, VISIBILITY_LABELS
from alumni.models.privacy import CONSENT_LABELS
from alumni.permissions import can_manage_member, can_view_member, is_staff
from alumni.services import members as svc
from alumni.services import membership, names, orcid, orcid_api, privacy
from alumni.services.account_mail import queue_account_mail
from alumni.services.paging import bounded_int, page_number, paginate
from alumni.web import pickers
from alumni.web.audit import own_audit, staff_member_audit
from alumni.web.confirm import ask_first, is_confirmed

bp = Blueprint("members", __name__)

RECORD_FORMS: dict[str, type[FlaskForm]]
RECORD_ADD: dict[str, Callable[..., object]]
RECORD_UPDATE: dict[str, Callable[..., object]]
RECORD_FORMS = {"participations": ParticipationForm, "careers": CareerForm, "returns": ReturnForm}
RECORD_ADD = {"participations": svc.add_participation, "careers": svc.add_career, "returns": svc.add_return}
RECORD_UPDATE = {"participations": svc.update_participation, "careers": svc.update_career,
                 "returns": svc.update_return}
INSTITUTION_FIELDS = ("institution_id", "host_institution_id", "sending_institution_id")


def country_choices() -> list[SelectChoice]:
    """Countries by their name in the page's language (Babel), ISO codes as values."""
    locale = get_locale()
    names = locale.territories if locale is not None else {}
    pairs = sorted(((c.alpha_2, names.get(c.alpha_2, c.name)) for c in pycountry.countries), key=lambda p: p[1])
    return [SelectChoice("", "—")] + [SelectChoice(code, name) for code, name in pairs]


def institution_choices() -> list[SelectChoice]:
    lang = names.reader_language(get_locale())
    named = sorted(((i, names.local_name(i, lang)) for i in db.session.scalars(select(Institution))),
                   key=lambda pair: pair[1].text.casefold())
    return [SelectChoice("", "—")] + [
        SelectChoice(str(i.id), f"{name.text} ({i.country})", render_kw=None if name.translated else {"lang": name.lang})
        for i, name in named]


def _own_member():
    member = current_user.member
    if member is None:
        abort(404)
    return member


def _fill_choices(form) -> None:
    if "country" in form:
        form.country.choices = country_choices()
        form.country.render_kw = {**(form.country.render_kw or {}), "data-picker": ""}
    if "timezone" in form:
        member = current_user.member
        form.timezone.choices = pickers.timezone_choices(getattr(member, "country", None),
                                                         current=form.timezone.data)
    if "preferred_language" in form:
        form.preferred_language.choices = [SelectChoice(tag, language_name(tag)) for tag in LANGUAGES]
    if "programme" in form:
        form.programme.choices = [SelectChoice(c, c) for c in db.session.scalars(select(Programme.code).order_by(Programme.sort_order))]
    for name in INSTITUTION_FIELDS:
        if name in form:
            form[name].choices = institution_choices()
            form[name].render_kw = {**(form[name].render_kw or {}), "data-picker": ""}


def _values(form) -> dict:
    """The form's values as the service expects them (the same shape as the API's)."""
    values = {k: v for k, v in form.data.items() if k not in ("submit", "csrf_token")}
    for name in INSTITUTION_FIELDS:
        if name in values:
            values[name] = int(values[name]) if values[name] not in (None, "", "None") else None
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value.strip()
    return values


@bp.route("/me")
@login_required
def me():
    member = current_user.member
    consents = membership.list_consents(member) if member is not None else []
    guided = member is not None and (member.country is None or not member.participations)
    notice = privacy.accepted_notice(member) if member is not None else None
    orcid_link = orcid.link_of(member) if member is not None and orcid_api.is_configured() else None
    return render_template("members/me.html", member=member, consents=consents, guided=guided,
                           orcid_enabled=orcid_api.is_configured(), orcid_link=orcid_link,
                           orcid_url=orcid.orcid_url(orcid_link) if orcid_link else None,
                           action_form=ActionForm(), notice=notice, notice_version=privacy.NOTICE_VERSION,
                           notice_date=privacy.notice_date(), audit=own_audit(member.id) if member else None)


@bp.route("/me/invitations", methods=["POST"])
@login_required
def set_invitations():
    """Invitations by mail, on or off, from the profile — also for a member who lost the mail
    with the one-click link. Mail about events they registered for is not affected."""
    member = _own_member()
    wanted = request.form.get("invitations")
    if wanted not in ("on", "off"):
        abort(400, description=_("Choose whether to receive invitations."))
    membership.update_profile(member, {"invitations": wanted == "on"}, actor=current_user)
    db.session.commit()
    flash(_("You will receive invitations again.") if wanted == "on" else _("You will receive no more invitations."),
          "info")
    return redirect(url_for("members.me") + "#invitations")


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    member = _own_member()
    form = ProfileForm(obj=member if request.method == "GET" else None)
    if request.method == "GET" and member.visibility is not None:
        form.visibility.data = member.visibility.value
    if request.method == "GET":
        form.email.data = member.pending_email or member.email
    _fill_choices(form)
    if form.validate_on_submit():
        values = _values(form)
        if "email" not in request.form:
            values.pop("email")  # a form without the field (older pages) leaves the address alone
        try:
            membership.update_profile(member, values, actor=current_user)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "info")
            if member.pending_email:
                flash(_("We have sent a link to %(email)s: your address changes once you open it. Until then, "
                        "mail goes to %(current)s.", email=member.pending_email, current=member.email), "info")
            return redirect(url_for("members.me"))
    return render_template("members/profile_form.html", form=form, visibility_help=VISIBILITY_HELP,
                           pending_email=member.pending_email, current_email=member.email), \
        (422 if request.method == "POST" else 200)


def _record_or_404(member, kind: str, record_id: int):
    if kind not in RECORD_FORMS:
        abort(404)
    try:
        return svc.get_record(member, kind, record_id)
    except NotFound:
        abort(404)


@bp.route("/me/<kind>/new", methods=["GET", "POST"])
@bp.route("/me/<kind>/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit_record(kind: str, record_id: int | None = None):
    member = _own_member()
    if kind not in RECORD_FORMS:
        abort(404)
    record = _record_or_404(member, kind, record_id) if record_id is not None else None
    form = RECORD_FORMS[kind](obj=record if request.method == "GET" else None)
    _fill_choices(form)
    if request.method == "GET" and record is not None:
        _load_record_into(form, record)
    if form.validate_on_submit():
        values = _values(form)
        try:
            if record is None:
                RECORD_ADD[kind](member, values, actor=current_user)
            else:
                RECORD_UPDATE[kind](record, values, actor=current_user)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "info")
            return redirect(url_for("members.me") + "#" + kind)
    return render_template("members/record_form.html", form=form, kind=kind, record=record), \
        (422 if request.method == "POST" else 200)


def _load_record_into(form, record) -> None:
    """Enum and id values shown as the select menus expect them."""
    for name in ("programme", "direction", "role", "purpose"):
        if name in form:
            value = getattr(record, "programme_code" if name == "programme" else name)
            form[name].data = getattr(value, "value", value)
    for name in INSTITUTION_FIELDS:
        if name in form:
            value = getattr(record, name)
            form[name].data = str(value) if value is not None else ""


@bp.route("/me/<kind>/<int:record_id>/delete", methods=["POST"])
@login_required
def delete_record(kind: str, record_id: int):
    member = _own_member()
    record = _record_or_404(member, kind, record_id)
    if not is_confirmed():
        return _ask_to_delete(kind, record)
    svc.delete_record(record, actor=current_user)
    db.session.commit()
    flash(_("Deleted."), "info")
    return redirect(url_for("members.me") + "#" + kind)


def _ask_to_delete(kind: str, record):
    """Delete asks first, saying which record goes and what stays."""
    when = format_date(record.start_date, "medium", locale=get_locale())
    if kind == "participations":
        title = _("Delete this participation?")
        subject = f"{programme_name(record.programme_code)} · {when}"
        happens = [_("The participation leaves your record; programme reports and your cohort no longer count it, "
                     "and its certificate can no longer be verified.")]
    elif kind == "careers":
        title = _("Delete this career entry?")
        subject = f"{record.organisation} · {when}"
        happens = [_("The career entry leaves your record and the reports that count careers.")]
    else:
        title = _("Delete this return visit?")
        subject = f"{RETURN_PURPOSE_LABELS[record.purpose]} · {when}"
        happens = [_("The return visit leaves your record; the returnee reports no longer count it.")]
    return ask_first(
        title=title, subject=subject, lead=_("This cannot be undone; you can add the record again later."),
        happens=happens,
        kept=[_("Your account, your profile and your other records are kept. Nobody is sent mail.")],
        button=_("Delete"), back=url_for("members.me") + "#" + kind,
        action=url_for("members.delete_record", kind=kind, record_id=record.id))


@bp.route("/members/<int:member_id>")
def member_page(member_id: int):
    """One member as the viewer may see them; staff looking at someone else is logged."""
    member = db.session.get(svc.Member, member_id)
    actor = current_user if current_user.is_authenticated else None
    if member is None or not can_view_member(actor, member):
        abort(404)
    full = actor is not None  # logged-in alumni see more than the public
    membership.log_staff_access(actor, member, "web:member_page")
    db.session.commit()
    return render_template("members/member.html", member=member, full=full,
                           manage=can_manage_member(actor, member), staff=is_staff(actor),
                           audit=staff_member_audit(member.id))


@bp.route("/members/<int:member_id>/claim-link", methods=["POST"])
@login_required
def send_claim_link(member_id: int):
    if not is_staff(current_user):
        abort(403)
    member = db.session.get(svc.Member, member_id)
    if member is None:
        abort(404)
    try:
        outcome = membership.prepare_claim(member, actor=current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        queue_account_mail(outcome)
        db.session.commit()
        flash(_("A link to claim the record has been sent to %(email)s.", email=member.email), "info")
    return redirect(url_for("members.member_page", member_id=member.id))


@bp.route("/staff/access-log")
@login_required
def access_log():
    """Who looked at whose personal data, and when (staff only)."""
    if not is_staff(current_user):
        abort(403)
    page = page_number(request.args.get("page"))
    member_id = bounded_int(request.args.get("member"), "member", low=1)
    entries, total = paginate(membership.staff_access_log(member_id=member_id), page, 50)
    return render_template("members/access_log.html", entries=entries, total=total, page=page,
                           pages=max(1, -(-total // 50)), member_id=member_id)


@bp.app_context_processor
def member_template_helpers() -> dict:
    return {"country_name": country_name, "programme_name": programme_name, "VISIBILITY_LABELS": VISIBILITY_LABELS,
            "DIRECTION_LABELS": DIRECTION_LABELS, "CAREER_ROLE_LABELS": CAREER_ROLE_LABELS,
            "RETURN_PURPOSE_LABELS": RETURN_PURPOSE_LABELS, "CONSENT_LABELS": CONSENT_LABELS}


def programme_name(code: str | None) -> str:
    """A programme by its name in the translated catalogue (alumni.services.names); the stored
    name (read once per request), else the code, for one the catalogue does not know."""
    if not code:
        return ""
    if "programme_names" not in g:
        g.programme_names = dict(db.session.execute(select(Programme.code, Programme.name)).all())
    return names.programme_name(code, g.programme_names.get(code))


