"""The home page and what every template can use."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, redirect, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from alumni import formatting
from alumni.extensions import db
from alumni.i18n import LANGUAGES, RTL_LANGUAGES, _, language_name
from alumni.models import Role
from alumni.permissions import can_use_manage_area
from alumni.services import home, workers
from alumni.services import privacy as privacy_svc
from alumni.services.outbox import due_count
from alumni.web.auth import safe_next
from alumni.web.mail import mailing_label
from alumni.web.pagecache import CLUB_NUMBERS, cached_for_anonymous, remembered

bp = Blueprint("main", __name__)


def template_globals() -> dict:
    locale = str(get_locale() or "en")
    tag = next((t for t, name in LANGUAGES.items() if name == locale), "en")
    return {
        "current_lang": tag,
        "text_direction": "rtl" if tag in RTL_LANGUAGES else "ltr",
        "languages": LANGUAGES,
        "chosen_lang": session.get("lang"),
        "language_name": language_name,
        "moment_in_zone": moment_in_zone,
        "role_badge": role_badge,
    }


def role_badge(user) -> str | None:
    """The header's badge for an account with a role beyond member: "Staff", or "Organizer ·
    IN" with the organizer's chapter (None for members and visitors)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.role == Role.staff:
        return _("Staff")
    if user.role == Role.organizer and user.chapter is not None:
        return _("Organizer") + " · " + user.chapter.code
    return None


def moment_in_zone(moment: datetime | None, zone: str | None) -> str:
    """A stored UTC moment (an acceptance, a consent) as the reader sees it in `zone` (a member's
    own zone): the date ("yMMMd") and the short time, joined as the page's locale joins them."""
    if moment is None:
        return ""
    return formatting.moment_short(moment, zone, with_year=True)


@bp.route("/language")
def set_language():
    """The language switcher: remembered in the session, then back to the same page."""
    tag = request.args.get("lang", "")
    if tag in LANGUAGES:
        session["lang"] = tag
    return redirect(safe_next(request.args.get("next")))


@bp.route("/healthz")
def healthz():
    """For load balancers and monitoring: 200 while the database answers, 503 otherwise. Also the
    background processes' last heartbeats and the outbox backlog (messages due and not sent), for
    monitoring: they do not change the status code (the web can serve while the worker is away)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:  # any database failure means "not healthy"
        db.session.rollback()
        return {"status": "unavailable", "database": type(exc).__name__}, 503
    body: dict = {"status": "ok", "database": "ok"}
    try:
        body.update(background_health())
    except SQLAlchemyError:  # the database answered SELECT 1; what it cannot tell here is left out
        db.session.rollback()
    return body


def background_health() -> dict:
    def seen(kind: str) -> dict:
        last = workers.last_beat(kind)
        return {"last_beat": last.isoformat() if last is not None else None, "alive": workers.is_alive(kind)}

    return {"workers": {kind: seen(kind) for kind in workers.KINDS}, "outbox": {"queued_due": due_count()}}


@bp.route("/")
@cached_for_anonymous
def index():
    """Visitors: what the club is, its next events, join and log in. Logged-in people: their
    dashboard — what needs them first (services.home decides what each may see)."""
    user = current_user if current_user.is_authenticated else None
    # The same for every viewer of a kind (visitors, or the logged-in): kept a few seconds.
    numbers = remembered(CLUB_NUMBERS, ("club-numbers", user is not None), lambda: home.club_numbers(user))
    upcoming = home.next_events()
    if user is None:
        return render_template("main/index.html", numbers=numbers, upcoming=upcoming)

    mine = home.member_home(user.member) if user.member is not None else None
    if mine is not None:  # what the dashboard already lists above is not repeated below
        shown = {r.event_id for r in mine.events} | {i.event.id for i in mine.invitations}
        upcoming = [s for s in upcoming if s.event.id not in shown]
    return render_template(
        "main/dashboard.html", numbers=numbers, upcoming=upcoming, mine=mine,
        organizer=home.organizer_home(user) if can_use_manage_area(user) else None,
        staff=home.staff_home(user), mailing_label=mailing_label)


@bp.route("/privacy")
@cached_for_anonymous
def privacy():
    """The privacy notice, in the page's language, with its version."""
    return render_template("main/privacy.html", version=privacy_svc.NOTICE_VERSION,
                           version_date=privacy_svc.notice_date())
