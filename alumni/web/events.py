"""Event pages for everyone: the list with filters, an event, RSVP, "my events", the ticket."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from alumni import formatting
from alumni.dbpool import reads_without_transaction
from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.forms.events import ActionForm, RsvpForm, options
from alumni.i18n import LANGUAGES, _, side_name
from alumni.models import Chapter, EventKind, Registration, RegistrationStatus
from alumni.models.types import utcnow
from alumni.permissions import can_check_in, can_view_event
from alumni.services import documents
from alumni.services import events as svc
from alumni.services import feedback as fsvc
from alumni.services import questions as qsvc
from alumni.services import registrations as rsvc
from alumni.services.paging import bounded_int, page_number, paginate
from alumni.web import pickers
from alumni.web.calendars import calendar_links
from alumni.web.confirm import ask_first, is_confirmed
from alumni.web.fragments import render_fragment
from alumni.web.names import local_name_plain
from alumni.web.pagecache import EVENT_ARTICLES, cached_for_anonymous, remembered

bp = Blueprint("events", __name__)
PER_PAGE = 20


def actor():
    return current_user if current_user.is_authenticated else None


# ---------------------------------------------------------------- time for templates
def show_time(local: datetime, event_zone: str, viewer_zone: str | None = None) -> str:
    """A local event time ("2027年1月23日(土) 18:00"), written in `viewer_zone` (default: the
    event's own zone), as the reader's locale writes it."""
    moment = local.replace(tzinfo=ZoneInfo(event_zone))
    return formatting.event_datetime(moment, viewer_zone or event_zone)


def moment_at_event(moment: datetime | None, event) -> str:
    """A stored UTC moment (e.g. a check-in) in the event's own zone, in the reader's locale."""
    if moment is None:
        return ""
    return svc.moment_text(moment, event.timezone, get_locale())


def zone_label(zone: str) -> str:
    """An IANA zone by its name in the reader's language ("India Time")."""
    return svc.zone_label(zone, get_locale())


def event_zone_name(event, viewer_zone: str | None = None) -> str:
    """The zone an event's times are written in, by name and offset at the event's start, in the
    reader's language: "インド標準時, GMT+05:30"."""
    zone = viewer_zone or event.timezone
    return formatting.zone_label(zone, svc.in_zone(event.starts_at, event.timezone, zone))


def when_text(event, viewer_zone: str | None = None) -> str:
    """The event's span as the reader's locale writes it ("Sat, Jan 23, 2027, 6:00 PM – 9:30 PM",
    "2027年1月23日(土) 18:00～21:30"), both days in full for a multi-day event."""
    zone = viewer_zone or event.timezone
    start = svc.in_zone(event.starts_at, event.timezone, zone)
    end = svc.in_zone(event.ends_at, event.timezone, zone)
    return formatting.event_range(start, end, zone)


def viewer_zone() -> str | None:
    member = getattr(current_user, "member", None) if current_user.is_authenticated else None
    return member.timezone if member is not None and member.timezone else None


@bp.app_context_processor
def event_helpers() -> dict:
    return {"when_text": when_text, "show_time": show_time, "viewer_zone": viewer_zone,
            "moment_at_event": moment_at_event, "zone_label": zone_label, "event_zone_name": event_zone_name}


# ---------------------------------------------------------------- pages
@bp.route("/events")
@reads_without_transaction
@cached_for_anonymous
def list_page():
    args = request.args
    filters: dict[str, Any] = {
        "kind": args.get("kind") if args.get("kind") in {k.value for k in EventKind} else None,
        "chapter": args.get("chapter") or None,
        "country": (args.get("country") or "").strip() or None,
        "mode": args.get("mode") if args.get("mode") in ("online", "in_person") else None,
        "when": args.get("when") if args.get("when") in ("upcoming", "past") else "upcoming",
    }
    page = page_number(args.get("page"))
    try:
        stmt = svc.list_events(viewer=actor(), **filters)
        items, total = paginate(stmt, page, PER_PAGE)
        error = None
    except ServiceError as exc:
        items, total, error = [], 0, exc.message
    chapters = list(db.session.scalars(select(Chapter).order_by(Chapter.code)))
    return render_template("events/list.html", events=items, total=total, page=page, per_page=PER_PAGE,
                           filters=filters, chapters=chapters, kinds=list(EventKind), error=error,
                           lang=_lang())


def _lang() -> str:
    locale = str(get_locale() or "en")
    return next((t for t, name in LANGUAGES.items() if name == locale), "en")


#: The page's language tag (what event and question translations are keyed by).
page_language = _lang


def _visible_event(event_id: int):
    """The event if the viewer may see it. A missing event raises NotFound, which the app's
    error handler answers with its own status (404); a draft of another chapter is 404 too (its
    existence is not confirmed)."""
    event = svc.get_event(event_id)
    if not can_view_event(actor(), event):
        abort(404)
    return event


@bp.route("/events/<int:event_id>")
@reads_without_transaction  # outermost: the user's statement too runs without BEGIN/ROLLBACK
@cached_for_anonymous
def detail(event_id: int):
    user = actor()
    member = user.member if user is not None else None
    page = rsvc.event_page(event_id, member)  # NotFound: the error handler answers 404
    event, registration = page.event, page.registration
    if not can_view_event(user, event):
        abort(404)
    # The answer buttons need only the CSRF token; the form object (costly to build on a page
    # every member opens) only where it has fields to show.
    form = None
    if event.side_quotas or event.kind == EventKind.forum:
        form = RsvpForm()

        form.institution_id.choices = pickers.institution_choices()
        form.institution_id.render_kw = {"data-picker": ""}
        form.side.choices = options((s, side_name(s)) for s in (event.side_quotas or {}))
        if registration is not None:
            form.institution_id.data = str(registration.institution_id or "")
            form.side.data = registration.side
    title, description = event.text_in(_lang())
    asked = qsvc.questions_of(event) if member is not None and page.questions_asked else []
    offer_until = _offer_until(registration)
    return render_template(
        "events/detail.html", event=event, title=title, registration=registration, position=page.position,
        offer_until=offer_until,
        article=_article(page, title, description, viewer_zone()), form=form,
        answers=page.answers, member=member, side_max_length=svc.MAX_LENGTH["side"],
        online_link=svc.online_link_for(event, user, registration=registration),
        asks_feedback=fsvc.asks_feedback(registration),
        questions=asked, given=qsvc.answers_of(registration) if asked and registration else {},
        countries=pickers.country_choices() if any(q.kind.value == "country" for q in asked) else [],
        lang=_lang(),
    )


def _answers_from_form(event) -> dict | None:
    """The answers the form sent, by question id (None: the event asks nothing). A page without
    JavaScript sends hidden questions too: respond(strict_answers=False) drops them."""
    asked = qsvc.questions_of(event)
    if not asked:
        return None
    given: dict = {}
    for q in asked:
        name = f"q-{q.id}"
        values = [x for x in request.form.getlist(name) if x != ""]
        if values:
            given[str(q.id)] = values if q.kind.value == "multiple_choice" else values[0]
    return given


def _article(page: rsvc.EventPage, title: str, description: str, zone: str | None) -> Markup:
    """The event itself, rendered once per process for each distinct set of what it shows: every
    column of the event (its texts in every language among them), its chapter, the language, the
    viewer's zone, the seats and the host its links point to are the key, so an edit or an answer
    makes a new entry rather than a stale one.
    Logged-in members get it from here (anonymous visitors get the whole page from the page cache)."""
    event = page.event
    key = ("event-article", str(get_locale()), request.host_url, zone, svc.event_state(event), local_name_plain(event.chapter),
           page.places_left, page.waitlisted)
    return remembered(EVENT_ARTICLES, key, lambda: render_fragment(
        "events/_article.html", event=event, title=title, description=description, zone=zone,
        places_left=page.places_left, waitlisted=page.waitlisted, current_lang=_lang(), when_text=when_text,
        show_time=show_time, event_zone_name=event_zone_name, calendar_links=calendar_links))


@bp.route("/events/<int:event_id>/rsvp", methods=["POST"])
@login_required
def rsvp(event_id: int):
    event = _visible_event(event_id)
    if current_user.member is None:
        flash(_("Only alumni with a member profile can answer."), "error")
        return redirect(url_for("events.detail", event_id=event.id))
    response = request.form.get("response", "")
    institution = request.form.get("institution_id") or None
    try:
        outcome = rsvc.respond(event, current_user.member, response,
                               institution_id=bounded_int(institution, "institution_id", low=1),
                               side=request.form.get("side") or None, actor=current_user,
                               answers=_answers_from_form(event), strict_answers=False)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("events.detail", event_id=event.id))
    db.session.commit()
    reg = outcome.registration
    if reg.status == RegistrationStatus.waitlisted:
        flash(_("The event is full: you are on the waitlist, number %(n)d.", n=rsvc.waitlist_position(reg)), "info")
    elif reg.status == RegistrationStatus.yes:
        flash(_("You are registered. Your ticket is ready."), "info")
    else:
        flash(_("Your answer is saved."), "info")
    return redirect(url_for("events.detail", event_id=event.id))


def _act_on_event(event, action, done: str):
    """Run a member's action on their registration; on a refusal roll back and show its message,
    else commit and say `done`. Back to the event's page either way."""
    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(done, "info")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/events/<int:event_id>/withdraw", methods=["POST"])
@login_required
def withdraw(event_id: int):
    event = _visible_event(event_id)
    if not ActionForm().validate_on_submit() or current_user.member is None:
        abort(400)
    reg = rsvc.find_registration(event, current_user.member)
    if reg is None:
        abort(404)
    return _act_on_event(event, lambda: rsvc.withdraw(reg, actor=current_user), _("Your registration is withdrawn."))


def _own_registration(event_id: int):
    """The event and the current member's registration for a POST button (400 without the form's
    CSRF token, 404 without a registration)."""
    event = _visible_event(event_id)
    if not ActionForm().validate_on_submit() or current_user.member is None:
        abort(400)
    reg = rsvc.find_registration(event, current_user.member)
    if reg is None:
        abort(404)
    return event, reg


@bp.route("/events/<int:event_id>/take-offer", methods=["POST"])
@login_required
def take_offer(event_id: int):
    """One click takes the seat offered from the waitlist."""
    event, reg = _own_registration(event_id)
    return _act_on_event(event, lambda: rsvc.take_offer(reg, actor=current_user),
                         _("The seat is yours. Your ticket is ready."))


@bp.route("/events/<int:event_id>/decline-offer", methods=["POST"])
@login_required
def decline_offer(event_id: int):
    """Declining an offered seat asks first: it also ends the member's place on the waitlist."""
    event, reg = _own_registration(event_id)
    if not is_confirmed():
        title, _description = event.text_in(_lang())
        return ask_first(
            title=_("Decline the offered seat?"), subject=title,
            lead=_("The seat offered to you goes to the next person on the waitlist."),
            happens=[_("You leave the waitlist of this event."),
                     _("You can answer yes again later, and join the end of the waitlist if the event is still full.")],
            action=url_for("events.decline_offer", event_id=event.id), button=_("Decline the seat"),
            back=url_for("events.detail", event_id=event.id))
    return _act_on_event(event, lambda: rsvc.decline_offer(reg, actor=current_user),
                         _("You declined the seat; it is offered to the next person on the waitlist."))


def _offer_until(registration: Registration | None) -> str | None:
    """The deadline of `registration`'s open offer of a seat, in the viewer's zone, or None. An
    offer past its deadline is no longer shown (the scheduler passes it on within a minute)."""
    if registration is None or not rsvc.offer_open(registration):
        return None
    expires = registration.offer_expires_at
    if expires is None or expires <= utcnow():
        return None
    return rsvc.offer_deadline(expires, viewer_zone() or registration.event.timezone, get_locale())


@bp.route("/me/events")
@login_required
def mine():
    member = current_user.member
    regs = list(db.session.scalars(rsvc.member_registrations(member))) if member is not None else []
    now = utcnow()
    upcoming = [r for r in regs if svc.ends_utc(r.event) >= now]
    past = [r for r in regs if svc.ends_utc(r.event) < now]
    upcoming.reverse()  # soonest first
    offers = {r.id: until for r in upcoming if (until := _offer_until(r)) is not None}
    return render_template("events/mine.html", upcoming=upcoming, past=past, offers=offers, lang=_lang())


@bp.route("/tickets/<token>")
def ticket(token: str):
    """The ticket: whoever holds the token (it is unguessable, 256 bits) sees it. The QR code
    carries the organizers' check-in URL for this ticket."""
    reg = rsvc.find_by_token(token)  # NotFound: the error handler answers 404
    # The public address (BASE_URL), so that a phone scanning the code reaches the service.
    check_in_url = current_app.config["BASE_URL"] + url_for("manage.scan", token=reg.ticket_token)
    qr = segno.make(check_in_url, error="m")
    svg = qr.svg_inline(scale=5, dark="#1f2430", title=_("Check-in code"))
    # An organizer of the event opening the ticket link (shown on a phone at the door) can check
    # the person in from here; anyone else sees the ticket only.
    door = current_user.is_authenticated and can_check_in(current_user, reg.event)
    letter = documents.letter_request(reg)
    return render_template("events/ticket.html", reg=reg, event=reg.event, qr_svg=Markup(svg), letter=letter,
                           check_in_url=check_in_url, lang=_lang(), door=door,
                           online_link=svc.online_link_for(reg.event, None, registration=reg),
                           checked_in_time=rsvc.checked_in_time(reg), action_form=ActionForm() if door else None)
