"""Event mail rendered for many members at once: invitations, reminders, updates,
cancellations and "you got a seat" notices.

Rendering is grouped by language: what is the same for every reader of a language (subject, the
event's texts, Babel-formatted dates, the calendar attachment) is computed once per language
inside `force_locale`, and each template is rendered once per language with markers that are then
replaced, per member, by the name and the unsubscribe link (HTML-escaped in the HTML part); the
calendar's ATTENDEE line is the only other per-member part. So templates must use `name` and
`unsubscribe_url` as plain values (no conditions or filters on them)."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from flask import current_app
from flask_babel import force_locale, get_locale
from icalendar import vCalAddress, vText
from icalendar.parser import Contentline
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape

from alumni import formatting
from alumni.calendar import fold_line
from alumni.i18n import RTL_LANGUAGES, _, babel_locale
from alumni.models import Event, MailPurpose
from alumni.models.members import display_name_of
from alumni.models.types import utcnow
from alumni.services.calendars import invitation_ics
from alumni.services.inbound import replies_enabled, reply_address
from alumni.services.names import local_name, name_text
from alumni.services.outbox import OutboxRow
from alumni.services.urls import external_url

#: Kinds of event mail and the templates (templates/email/{kind}.txt|html) that render them.
KINDS = ("invitation", "reminder", "update", "cancellation", "promotion", "offer")
_ATTENDEE_MARK = "attendee@placeholder.invalid"


@dataclass(frozen=True)
class Recipient:
    member_id: int
    email: str
    language: str
    name: str


def recipient_name(given: str, family: str, native: str, family_first: bool) -> str:
    """How the mail names a member: Member.display_name's rule on plain columns (one function,
    models.members.display_name_of)."""
    return display_name_of(given, family, native, family_first)


# ---------------------------------------------------------------- unsubscribe tokens
def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe-invitations")


def unsubscribe_token(member_id: int) -> str:
    return _signer().dumps(member_id)


def member_id_for_token(token: str) -> int | None:
    try:
        value = _signer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unsubscribe_url(member_id: int) -> str:
    return external_url("mail.unsubscribe_page", token=unsubscribe_token(member_id))


def unsubscribe_urls() -> Callable[[int], str]:
    """unsubscribe_url for many members: the route is built once, each member's token put in."""
    mark = f"token{uuid.uuid4().hex}"
    pattern = external_url("mail.unsubscribe_page", token=mark)
    return lambda member_id: pattern.replace(mark, unsubscribe_token(member_id))  # tokens are URL-safe


def unsubscribe_headers(language: str, url: str) -> dict[str, str]:
    """List-Unsubscribe (RFC 2369) with the one-click POST of RFC 8058 — which requires an https
    URL: with a plain-http BASE_URL (development, tests) the link is offered without one-click,
    and `flask check` reports the http BASE_URL in production."""
    headers = {"Content-Language": language, "List-Unsubscribe": f"<{url}>"}
    if url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


# ---------------------------------------------------------------- calendar attendee
def attendee_line(email: str, name: str, rsvp: bool = True) -> str:
    """The folded ATTENDEE content line the calendar code writes for (email, name)."""
    who = vCalAddress(f"mailto:{email}")
    who.params.update({"cn": vText(name or email), "role": vText("REQ-PARTICIPANT"),
                       "partstat": vText("NEEDS-ACTION"), "rsvp": vText("TRUE" if rsvp else "FALSE")})
    line = Contentline.from_parts("ATTENDEE", who.params, who.to_ical().decode("utf-8"))
    return fold_line(line).decode("utf-8")  # folded exactly as alumni.calendar.to_ics folds


def organizer_line(email: str, name: str) -> str:
    """The folded ORGANIZER content line the calendar code writes for (email, name)."""
    who = vCalAddress(f"mailto:{email}")
    if name:
        who.params["cn"] = vText(name)
    line = Contentline.from_parts("ORGANIZER", who.params, who.to_ical().decode("utf-8"))
    return fold_line(line).decode("utf-8")


def _split_on(ics: str, name: str = "ATTENDEE") -> tuple[str, str]:
    """The calendar text before and after its (folded) `name` line."""
    start = ics.index("\r\n" + name) + 2
    end = ics.index("\r\n", start)
    while ics.startswith("\r\n ", end):  # folded continuation lines
        end = ics.index("\r\n", end + 2)
    return ics[:start], ics[end:]


# ---------------------------------------------------------------- rendering
def date_and_time(moment: datetime, locale: Locale | str | None) -> str:
    """The full date and the short time, joined as the locale joins them (no seconds, no zone:
    the zone is named on its own line)."""
    return formatting.event_datetime(moment, moment.tzinfo, locale, full=True)


def event_when(event: Event, locale: Locale | str | None) -> dict[str, str]:
    """The event's dates and times as readers of `locale` write them, in the event's own zone."""
    zone = ZoneInfo(event.timezone)
    start = event.starts_at.replace(tzinfo=zone)
    end = event.ends_at.replace(tzinfo=zone)
    same_day = start.date() == end.date()
    return {
        "starts": date_and_time(start, locale),
        "range": formatting.event_range(start, end, zone, locale, full=True),
        "start_date": formatting.event_day(start, zone, locale, full=True),
        "start_time": formatting.event_time(start, zone, locale),
        "end": formatting.event_time(end, zone, locale) if same_day else date_and_time(end, locale),
        "zone": formatting.zone_name(zone, start, locale),
        "zone_id": event.timezone,
    }


def _subject(kind: str, title: str) -> str:
    subjects = {
        "invitation": _("Invitation: %(title)s", title=title),
        "reminder": _("Reminder: %(title)s", title=title),
        "update": _("Changed: %(title)s", title=title),
        "cancellation": _("Cancelled: %(title)s", title=title),
        "promotion": _("You have a seat: %(title)s", title=title),
        "offer": _("A seat is offered to you: %(title)s", title=title),
        "feedback": _("How was it? %(title)s", title=title),
    }
    return subjects[kind]


def _event_context(kind: str, event: Event, language: str, locale: Locale | str | None, title: str,
                   description: str, *, seat: bool = False) -> dict[str, object]:
    """What every event mail's templates are given about the event, in `language`; the online
    link only when every recipient holds a seat (`seat`)."""
    return {
        "kind": kind, "event": event, "title": title, "description": description,
        "when": event_when(event, locale), "lang": language, "locale": str(locale),
        "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
        "event_url": external_url("events.detail", event_id=event.id), "venue": event.venue,
        "online_url": event.online_url if seat else "",
        # Text in the .txt part; in the .html part an untranslated name carries its own lang.
        "chapter": local_name(event.chapter, language) if event.chapter else "",
    }


def render_for_language(kind: str, event: Event, language: str, recipients: Iterable[Recipient], *,
                        dedup: Callable[[Recipient], str], mailing: str, stamp: datetime | None = None,
                        extra: dict[str, object] | None = None, seat: bool = False) -> list[OutboxRow]:
    """Outbox rows for `recipients` (all reading `language`); `dedup(recipient)` gives each key.
    A recipient without a name is greeted with the language's own words for a member."""
    stamp = stamp or utcnow()
    env = current_app.jinja_env
    text_template = env.get_template(f"email/{kind}.txt")
    html_template = env.get_template(f"email/{kind}.html")
    rows: list[OutboxRow] = []
    with force_locale(babel_locale(language)):
        locale = get_locale()
        nameless = _("Alumna or alumnus")
        title, description = event.text_in(language)
        # Replies from the member's calendar program go to a reply address signed for them
        # (alumni.services.inbound): the ORGANIZER line is spliced per member, as ATTENDEE is.
        replies = replies_enabled()
        ics, method = invitation_ics(event, language, (_ATTENDEE_MARK, _ATTENDEE_MARK), stamp=stamp,
                                     organizer=_ATTENDEE_MARK if replies else None, seat=seat)
        before, after = _split_on(ics, "ATTENDEE")
        # icalendar orders the properties by name: ORGANIZER comes after ATTENDEE.
        org_head, org_tail = _split_on(after, "ORGANIZER") if replies else (after, "")
        organizer_name = name_text(event.chapter, language)
        common = {**_event_context(kind, event, language, locale, title, description, seat=seat), **(extra or {})}
        subject = _subject(kind, title)
        # Render once per language with markers where the per-member values go, then fill them in
        # (escaped for HTML): the translated strings are looked up once per language, not per member.
        marks = {"name": f"\x1e{uuid.uuid4().hex}\x1e", "unsubscribe_url": f"\x1e{uuid.uuid4().hex}\x1e"}
        text_form = text_template.render({**common, **marks})
        html_form = html_template.render({**common, **marks})
        unsubscribe_for = unsubscribe_urls()
        for r in recipients:
            unsubscribe = unsubscribe_for(r.member_id)
            name = r.name or nameless
            rows.append({
                "dedup_key": dedup(r), "mailing": mailing, "kind": kind, "purpose": MailPurpose(kind),
                "recipient": r.email, "member_id": r.member_id or None, "event_id": event.id, "language": language,
                "subject": subject,
                "text_body": text_form.replace(marks["name"], name).replace(marks["unsubscribe_url"], unsubscribe),
                "html_body": html_form.replace(marks["name"], str(escape(name)))
                .replace(marks["unsubscribe_url"], str(escape(unsubscribe))),
                "ics": before + attendee_line(r.email, name, rsvp=replies) + (
                    org_head + organizer_line(reply_address(event.id, r.member_id), organizer_name) + org_tail
                    if replies else after),
                "ics_method": method,
                "headers": unsubscribe_headers(language, unsubscribe),
            })
    return rows


def render_rows(kind: str, event: Event, recipients: Iterable[Recipient], *, dedup: Callable[[Recipient], str],
                mailing: str, stamp: datetime | None = None,
                extra: dict[str, object] | None = None, seat: bool = False) -> list[OutboxRow]:
    """Outbox rows for recipients of any languages, rendered one language at a time. `seat`:
    every recipient holds a seat (a yes), so the mail and its .ics carry the online link."""
    by_language: dict[str, list[Recipient]] = {}
    for r in recipients:
        by_language.setdefault(r.language, []).append(r)
    stamp = stamp or utcnow()
    rows: list[OutboxRow] = []
    for language, group in sorted(by_language.items()):
        rows.extend(render_for_language(kind, event, language, group, dedup=dedup, mailing=mailing,
                                        stamp=stamp, extra=extra, seat=seat))
    return rows
