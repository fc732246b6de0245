"""Calendar routes (text/calendar, no /api prefix): one event, the public feed, a member's
private feed. Conditional GET: calendar programs poll every hour, and a 304 costs one query —
none for the public feed when its version was computed in the last few seconds (pagecache)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from alumni.calendar import google_calendar_link
from alumni.dbpool import reads_without_transaction
from alumni.extensions import db
from alumni.forms import FlaskForm
from alumni.i18n import LANGUAGES, _
from alumni.permissions import can_view_event
from alumni.services import calendars as svc
from alumni.services.events import get_event, online_link_for
from alumni.web import pagecache

bp = Blueprint("calendars", __name__)

ICS_TYPE = "text/calendar; charset=utf-8"


class CalendarForm(FlaskForm):
    """CSRF protection for the feed's reset and reminder buttons."""


def _lang() -> str | None:
    """?lang= (a supported BCP 47 tag), else the page locale's tag."""
    wanted = request.args.get("lang")
    if wanted:
        key = wanted.lower().replace("_", "-")
        for tag in LANGUAGES:
            if tag.lower() == key:
                return tag
        abort(400, description=_("%(value)s is not a supported language.", value=wanted))
    locale = str(get_locale() or "en")
    return next((tag for tag, name in LANGUAGES.items() if name == locale), None)


def _conditional(etag: str, last_modified, build, filename: str) -> Response:
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(build(), mimetype="text/calendar")
        response.headers["Content-Type"] = ICS_TYPE
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.private = True
    response.cache_control.max_age = 300
    return response


@bp.route("/events/<int:event_id>.ics")
@reads_without_transaction
def event_ics(event_id: int):
    event = get_event(event_id)
    viewer = current_user if current_user.is_authenticated else None
    if not can_view_event(viewer, event):
        abort(404)
    lang = _lang()
    link = online_link_for(event, viewer)
    etag = f"e{event.id}-{event.sequence}-{event.updated_at.timestamp():.0f}-{lang}-{'s' if link else 'p'}"
    return _conditional(etag, event.updated_at, lambda: svc.render_event(event, lang, online_url=link),
                        f"event-{event.id}.ics")


@bp.route("/calendar/events.ics")
@pagecache.cached_for_anonymous
@reads_without_transaction
def public_feed():
    kind, chapter, country = (request.args.get(k) or None for k in ("kind", "chapter", "country"))
    lang = _lang()
    stmt = svc.public_feed_query(kind=kind, chapter=chapter, country=country)
    etag, modified = pagecache.remembered(pagecache.FEED_VERSIONS, ("public-feed", lang, kind, chapter, country),
                                          lambda: svc.feed_version(stmt, lang, kind, chapter, country))
    name = _("Sakura Science Club events")
    return _conditional(etag, modified, lambda: svc.render_feed(db.session.scalars(stmt), lang=lang, name=name),
                        "sakura-alumni-events.ics")


@bp.route("/calendar/member/<token>.ics")
@reads_without_transaction
def member_feed(token: str):
    feed = svc.member_feed(token, request.args.get("lang") and _lang())
    name = _("My Sakura Science Club events")
    return _conditional(feed.etag, feed.last_modified, lambda: svc.render_feed(
        db.session.scalars(svc.member_feed_query(feed.member_id)), lang=feed.language, name=name,
        alarm_minutes=feed.alarm_minutes, seats=True), "my-sakura-alumni-events.ics")


def calendar_links(event, lang: str | None) -> dict:
    """"Add to calendar": download, subscribe (webcal://) and Google Calendar."""
    base = current_app.config["BASE_URL"]
    download = f"{base}/events/{event.id}.ics"
    return {
        "download": url_for("calendars.event_ics", event_id=event.id, lang=lang),
        "webcal": "webcal://" + download.split("://", 1)[1],
        "google": google_calendar_link(svc.calendar_item(event, lang)),
    }


@bp.app_context_processor
def calendar_helpers() -> dict:
    return {"calendar_links": calendar_links}


@bp.route("/me/calendar")
@login_required
def my_calendar():
    """The private feed: its address, a copy button, a reset, and the reminder it carries."""
    member = current_user.member
    if member is None:
        abort(404)
    url = svc.member_feed_url(member)
    db.session.commit()
    return render_template("calendars/mine.html", url=url, webcal="webcal://" + url.split("://", 1)[1],
                           member=member, choices=ALARM_LABELS(), form=CalendarForm())


@bp.route("/me/calendar/reset", methods=["POST"])
@login_required
def reset_my_calendar():
    member = current_user.member
    if member is None or not CalendarForm().validate_on_submit():
        abort(400)
    svc.reset_calendar_token(member, actor=current_user)
    db.session.commit()
    flash(_("Your calendar has a new address. Subscribe again with it: the old one no longer works."), "info")
    return redirect(url_for("calendars.my_calendar"))


@bp.route("/me/calendar/reminder", methods=["POST"])
@login_required
def set_my_reminder():
    member = current_user.member
    if member is None or not CalendarForm().validate_on_submit():
        abort(400)
    svc.set_calendar_alarm(member, request.form.get("minutes"), actor=current_user)
    db.session.commit()
    flash(_("Reminder saved."), "info")
    return redirect(url_for("calendars.my_calendar"))


def ALARM_LABELS() -> list[tuple[str, str]]:
    return [("none", _("No reminder")), ("15", _("15 minutes before")), ("60", _("1 hour before")),
            ("1440", _("1 day before")), ("2880", _("2 days before")), ("10080", _("1 week before"))]
