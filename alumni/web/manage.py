"""Organizer pages under /manage: their chapter's events (staff: all), create / edit / publish /
cancel, registrations with filters and counts, CSV export, check-in by name or by ticket URL."""
from __future__ import annotations

from collections.abc import Callable, Collection

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user, login_required

from alumni.errors import Invalid, ServiceError
from alumni.extensions import db
from alumni.forms import show_errors
from alumni.forms.events import ActionForm, EventForm, options
from alumni.i18n import LANGUAGES, _, language_name, ngettext
from alumni.models import Event, EventStatus, Registration, RegistrationStatus
from alumni.permissions import (
    can_check_in,
    can_choose_any_chapter,
    can_create_event,
    can_manage_event,
    can_use_manage_area,
    can_view_event,
)
from alumni.services import events as svc
from alumni.services import invitations, questions
from alumni.services import registrations as rsvc
from alumni.services.confirmations import people_told_of_cancellation
from alumni.services.paging import bounded_int, page_number, paginate
from alumni.web import pickers
from alumni.web.confirm import ask_first, is_confirmed
from alumni.web.events import page_language, when_text, zone_label
from alumni.web.names import local_name_plain

bp = Blueprint("manage", __name__, url_prefix="/manage")
PER_PAGE = 50


def posted_action(actions: Collection[str], apply: Callable[[str], ResponseReturnValue | None], done: str,
                  saved: str | None = None) -> tuple[ResponseReturnValue | None, ServiceError | None]:
    """A manage page's POST of one of `actions`: `apply(action)` (it may answer a page of its
    own, e.g. a confirmation), then commit, say `saved` and go to `done`; a refusal rolls back and
    comes back as the error for the page to show. A forged form or an unknown action is a 400."""
    action = request.form.get("action", "")
    if not ActionForm().validate_on_submit() or action not in actions:
        abort(400)
    try:
        shown = apply(action)
    except ServiceError as exc:
        db.session.rollback()
        return None, exc
    if shown is not None:
        return shown, None
    db.session.commit()
    if saved:
        flash(saved, "info")
    return redirect(done), None


@bp.before_request
@login_required
def organizers_only():
    if not can_use_manage_area(current_user):
        abort(403)


def managed_event(event_id: int, allowed=can_manage_event) -> Event:
    """The event, if the user may do this with it (`allowed`, a permissions predicate). A draft of
    another chapter is 404 (not confirmed to exist); a public one is 403."""
    event = db.session.get(Event, event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    if not allowed(current_user, event):
        abort(403)
    return event


# ---------------------------------------------------------------- events
@bp.route("/events")
def events():
    stmt = svc.list_events(viewer=current_user, managed=True)
    page = page_number(request.args.get("page"))
    items, total = paginate(stmt, page, PER_PAGE)
    counts = rsvc.status_counts([e.id for e in items])
    return render_template("manage/events.html", events=items, total=total, page=page, per_page=PER_PAGE,
                           counts=counts)


def _chapter_choices(form: EventForm) -> None:
    chapters = svc.chapters_for_events(current_user)
    form.chapter.choices = options((c.code, f"{c.code} — {local_name_plain(c)}") for c in chapters)

    named = [(tag, f"{language_name(tag)} ({tag})") for tag in LANGUAGES]
    form.language.choices = options(named)
    form.translation_language.choices = options([("", "—"), *named])
    _place_choices(form, chapters)


def _place_choices(form: EventForm, chapters: list) -> None:
    """Time zones by country and city (the organizer's country first), countries by name."""
    member = getattr(current_user, "member", None)
    first = (chapters[0].countries[0] if not can_choose_any_chapter(current_user) and chapters and chapters[0].countries
             else getattr(member, "country", None) or "JP")
    form.timezone.choices = pickers.timezone_choices(first, current=form.timezone.data)
    form.country.choices = [options([("", "—")])[0], *pickers.country_choices()]


def _parse_quotas(text: str) -> dict:
    """"IN=40, JP=40" → {"IN": 40, "JP": 40}."""
    quotas: dict = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        side, sep, seats = part.partition("=")
        if not sep or not seats.strip().isdigit():
            raise Invalid(_("Write seats per side as SIDE=N, separated by commas (IN=40, JP=40)."),
                          field="side_quotas")
        quotas[side.strip()] = bounded_int(seats, "side_quotas", low=0, high=svc.MAX_CAPACITY)
    return quotas


def _values_from(form: EventForm, event: Event | None) -> dict:
    translations = dict(event.translations or {}) if event is not None else {}
    lang = form.translation_language.data
    if lang:
        if form.translation_title.data or form.translation_description.data:
            translations[lang] = {"title": form.translation_title.data or "",
                                  "description": form.translation_description.data or ""}
        else:
            translations.pop(lang, None)
    chapter = next(c for c in svc.chapters_for_events(current_user) if c.code == form.chapter.data)
    return {
        "kind": form.kind.data, "chapter": chapter, "language": form.language.data, "title": form.title.data,
        "description": form.description.data or "", "translations": translations,
        "starts_at": form.starts_at.data, "ends_at": form.ends_at.data, "all_day": form.all_day.data, "timezone": form.timezone.data,
        "venue": form.venue.data or "", "country": form.country.data or None,
        "online_url": form.online_url.data or "", "capacity": form.capacity.data,
        "side_quotas": _parse_quotas(form.side_quotas.data), "registration_deadline": form.registration_deadline.data,
        "answers_retention_days": form.answers_retention_days.data,
        "offer_hours": form.offer_hours.data,
    }




def _save(form: EventForm, event: Event | None):
    try:
        values = _values_from(form, event)
        if not can_create_event(current_user, values["chapter"]):
            abort(403)
        if event is None:
            event = svc.create_event(values, actor=current_user)
        else:
            svc.update_event(event, values, actor=current_user)
    except ServiceError as error:
        db.session.rollback()
        show_errors(form, error)
        return None
    db.session.commit()
    return event


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    form = EventForm()
    _chapter_choices(form)
    if request.method == "GET":
        form.timezone.data = "Asia/Kolkata" if current_user.chapter and current_user.chapter.code == "IN" else "Asia/Tokyo"
    if form.validate_on_submit():
        event = _save(form, None)
        if event is not None:
            flash(_("The event is saved as a draft. Publish it when it is ready."), "info")
            return redirect(url_for("manage.registrations", event_id=event.id))
    return render_template("manage/form.html", form=form, event=None), (422 if form.errors else 200)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = managed_event(event_id)
    form = EventForm(obj=event if request.method == "GET" else None)
    _chapter_choices(form)
    if request.method == "GET":
        form.chapter.data = event.chapter.code
        form.side_quotas.data = ", ".join(f"{s}={n}" for s, n in (event.side_quotas or {}).items())
    if form.validate_on_submit() and _save(form, event) is not None:
        flash(_("The event is saved."), "info")
        return redirect(url_for("manage.registrations", event_id=event.id))
    return render_template("manage/form.html", form=form, event=event), (422 if form.errors else 200)


@bp.get("/events/<int:event_id>/cancel")
def confirm_cancel(event_id: int):
    """Cancel asks first (pretix's cancel-event page): who is told by mail, what is kept."""
    return _ask_to_cancel(managed_event(event_id))


def _ask_to_cancel(event: Event):
    back = url_for("manage.registrations", event_id=event.id)
    if event.status == EventStatus.cancelled:
        flash(_("This event is already cancelled."), "info")
        return redirect(back)
    told = people_told_of_cancellation(event)
    if event.status == EventStatus.draft:
        happens = [_("The draft is closed for good. It was never published, so nobody is told, and it stays "
                     "hidden from the public pages and calendar feeds.")]
    else:
        happens = [
            ngettext("%(num)d registered person (yes, maybe or waitlisted) gets a cancellation notice by mail, "
                     "in their language, with a calendar cancellation.",
                     "%(num)d registered people (yes, maybe or waitlisted) get a cancellation notice by mail, "
                     "each in their language, with a calendar cancellation.", told),
            _("Invitations and reminders not yet sent are withdrawn."),
            _("The public page and calendar feeds show the event as cancelled; nobody can answer any more."),
        ]
    kept = [_("The event, its registrations and check-ins are kept; the registrations CSV can still be downloaded."),
            _("A cancelled event cannot be published or edited again.")]
    return ask_first(
        title=_("Cancel this event?"), subject=event.title,
        lead=_("%(when)s (%(zone)s) · %(chapter)s", when=when_text(event), zone=zone_label(event.timezone),
               chapter=local_name_plain(event.chapter)),
        happens=happens, kept=kept, button=_("Cancel the event"), back=back,
        action=url_for("manage.change_status", event_id=event.id, action="cancel"))


@bp.route("/events/<int:event_id>/<any(publish, cancel):action>", methods=["POST"])
def change_status(event_id: int, action: str):
    event = managed_event(event_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "cancel" and not is_confirmed():
        return _ask_to_cancel(event)
    try:
        (svc.publish_event if action == "publish" else svc.cancel_event)(event, actor=current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("manage.registrations", event_id=event.id))
    db.session.commit()
    flash(_("The event is published.") if action == "publish" else _("The event is cancelled."), "info")
    return redirect(url_for("manage.registrations", event_id=event.id))


# ---------------------------------------------------------------- registrations
@bp.route("/events/<int:event_id>")
def registrations(event_id: int):
    event = managed_event(event_id)
    status = request.args.get("status") or None
    if status not in {s.value for s in RegistrationStatus}:
        status = None
    side = request.args.get("side") or None
    q = (request.args.get("q") or "").strip() or None
    page = page_number(request.args.get("page"))
    items, total = paginate(rsvc.list_registrations(event, status=status, side=side, q=q), page, PER_PAGE)
    waitlist = rsvc.waitlist(event)
    return render_template(
        "manage/registrations.html", event=event, registrations=items, total=total, page=page, per_page=PER_PAGE,
        summary=rsvc.summarise(event), waitlist=waitlist,
        positions={reg.id: n for n, reg in enumerate(waitlist, start=1)},
        filters={"status": status, "side": side, "q": q}, statuses=list(RegistrationStatus),
        action_form=ActionForm(), invitable=invitations.is_invitable(event), actions=svc.event_actions(event),
        **_answers_context(event),
    )


def _answers_context(event: Event) -> dict:
    """The registration questions' answers on the registrations page, in the organizer's language."""
    asked = questions.questions_of(event)
    return {"asked": asked, "asked_by_id": {q.id: q for q in asked}, "answer_text": questions.answer_text,
            "reg_answers": questions.answers_by_registration(event) if asked else {}, "lang": page_language()}


@bp.route("/events/<int:event_id>/registrations.csv")
def registrations_csv(event_id: int):
    event = managed_event(event_id)
    return Response(rsvc.export_csv(event), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="event-{event.id}-registrations.csv"'})


@bp.route("/events/<int:event_id>/sides.csv")
def sides_csv(event_id: int):
    """The participation by side and kind of institution (the brochure's table), headers in
    ?lang=ja or en (the page's language when it is one of them)."""
    event = managed_event(event_id)
    lang = request.args.get("lang") or ("ja" if str(get_locale()) == "ja" else "en")
    lang = lang if lang in ("ja", "en") else "en"
    return Response(rsvc.export_sides_csv(event, lang), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="event-{event.id}-sides-{lang}.csv"'})


@bp.route("/events/<int:event_id>/check-in")
def check_in_page(event_id: int):
    event = managed_event(event_id)
    q = (request.args.get("q") or "").strip()
    found = list(db.session.scalars(
        rsvc.list_registrations(event, status=RegistrationStatus.yes.value, q=q).limit(PER_PAGE))) if q else []
    return render_template("manage/check_in.html", event=event, q=q, found=found,
                           summary=rsvc.summarise(event), action_form=ActionForm())


@bp.route("/registrations/<int:registration_id>/check-in", methods=["POST"])
def check_in(registration_id: int):
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        abort(404)
    event = managed_event(reg.event_id)
    if not (ActionForm().validate_on_submit() and can_check_in(current_user, event)):
        abort(400)
    _check_in_and_tell(reg)
    back = request.form.get("back") or ""
    if back.startswith("/manage/"):
        return redirect(back)
    return redirect(url_for("manage.check_in_page", event_id=event.id))


def _check_in_and_tell(reg: Registration) -> None:
    name = reg.member.display_name if reg.member else _("(deleted account)")
    try:
        rsvc.check_in(reg, actor=current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(_("%(field)s: %(message)s", field=name, message=error.message), "error")
        return
    db.session.commit()
    flash(_("%(name)s is checked in.", name=name), "info")


@bp.route("/check-in/<token>", methods=["GET", "POST"])
def scan(token: str):
    """Where a ticket's QR code leads: the organizer sees who it is and checks them in."""
    try:
        reg = rsvc.find_by_token(token)
    except ServiceError:
        abort(404)
    event = managed_event(reg.event_id)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        _check_in_and_tell(reg)
        back = url_for("manage.scan", token=token)
        if request.args.get("for", type=int):
            back += f"?for={request.args.get('for', type=int)}"
        return redirect(back)
    # From the camera page of another event ("for"): say so before anyone is let in.
    scanning_for = request.args.get("for", type=int)
    other = db.session.get(Event, scanning_for) if scanning_for and scanning_for != event.id else None
    if other is not None and not can_manage_event(current_user, other):
        other = None
    return render_template("manage/scan.html", reg=reg, event=event, action_form=ActionForm(),
                           checked_in_time=rsvc.checked_in_time(reg), other_event=other)
