"""Events as calendar items: the one adapter between the Event model and alumni.calendar, used
by the .ics routes, the feeds and the invitation mail alike."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from alumni.calendar import CalendarItem, build_calendar, event_uid, to_ics
from alumni.errors import Invalid, NotFound
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Event, EventStatus, Member, Registration, RegistrationStatus, User
from alumni.models.types import utcnow
from alumni.services import audit
from alumni.services.events import list_events
from alumni.services.names import name_text
from alumni.services.urls import external_url


@lru_cache(maxsize=8)
def _address(sender: str) -> str:
    return parseaddr(sender)[1]


def calendar_item(event: Event, lang: str | None = None, *, online_url: str = "") -> CalendarItem:
    """The event in `lang` (falling back to the event's own language). `online_url`: the online
    link, given only where the reader holds a seat (`events.online_link_for`); none by default."""
    title, description = event.text_in(lang)
    sender = _address(current_app.config["MAIL_DEFAULT_SENDER"])
    return CalendarItem(
        uid=event_uid(event.id),
        summary=title,
        description=description,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        sequence=event.sequence,
        last_modified=event.updated_at,
        location=event.venue,
        url=external_url("events.detail", event_id=event.id),
        online_url=online_url,
        cancelled=event.status == EventStatus.cancelled,
        all_day=getattr(event, "all_day", False),
        organizer_email=sender,
        organizer_name=name_text(event.chapter, lang),
        categories=(event.kind.value,),
    )


def invitation_ics(event: Event, lang: str | None, attendee: tuple[str, str], *, stamp: datetime,
                   organizer: str | None = None, seat: bool = False) -> tuple[str, str]:
    """(ics text, METHOD) for a mail about `event` to `attendee` (email, name): REQUEST for an
    invitation or update, CANCEL once the event is cancelled (RFC 5546).

    `organizer`: the address the member's calendar program sends its REPLY to (the signed reply
    address of alumni.services.inbound); without one the ORGANIZER is the sender and no reply
    is asked for (RSVP=FALSE): a reply to an address nobody reads would be lost.
    `seat`: every recipient holds a seat, so the online link is included."""
    method = "CANCEL" if event.status == EventStatus.cancelled else "REQUEST"
    item = calendar_item(event, lang, online_url=event.online_url if seat else "")
    if organizer:
        item = replace(item, organizer_email=organizer)
    cal = build_calendar([item], stamp=stamp, method=method, attendee=attendee, rsvp=bool(organizer))
    return to_ics(cal).decode("utf-8"), method


# --- feeds ---------------------------------------------------------------------------------

#: Cancelled events stay in feeds, as cancelled, this long after the change — calendars that
#: poll then remove them instead of keeping a stale entry.
CANCELLED_KEPT = timedelta(days=60)
FEED_REFRESH = timedelta(hours=1)


def public_feed_query(*, kind: str | None = None, chapter: str | None = None, country: str | None = None,
                      now: datetime | None = None) -> Select[Event]:
    """Published events, and events cancelled recently, with the public filters."""
    now = now or utcnow()
    stmt = list_events(kind=kind, chapter=chapter, country=country)
    return stmt.where(or_(Event.status == EventStatus.published,
                          and_(Event.status == EventStatus.cancelled, Event.published_at.is_not(None),
                               Event.updated_at >= now - CANCELLED_KEPT)))


def _in_member_feed(member_id: int | InstrumentedAttribute[int], now: datetime) -> ColumnElement[bool]:
    """Join condition of the member's private feed: the events they said yes to (and still hold a
    seat for), cancelled ones included for a while, drafts never. `member_id` is a value or a
    column — the feed query and its one-statement version share it."""
    return and_(Registration.event_id == Event.id, Registration.member_id == member_id,
                Registration.status == RegistrationStatus.yes, Event.status != EventStatus.draft,
                or_(Event.status == EventStatus.published, Event.updated_at >= now - CANCELLED_KEPT))


def member_feed_query(member_id: int, *, now: datetime | None = None) -> Select[Event]:
    """The events of the member's private feed, in order."""
    return (select(Event).join(Registration, _in_member_feed(member_id, now or utcnow()))
            .options(selectinload(Event.chapter)).order_by(Event.starts_at, Event.id))


def _version(count: int, newest: datetime | None, seq: int, *more: object) -> tuple[str, datetime | None]:
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    key = "|".join(str(part) for part in (count, newest.isoformat() if newest else "-", seq, *more))
    return hashlib.sha256(key.encode()).hexdigest()[:32], newest


def feed_version(stmt: Select[Event], *extra: object) -> tuple[str, datetime | None]:
    """(ETag, Last-Modified) of a feed, from one aggregate query — no calendar is built for a 304."""
    # The feed's own WHERE clause, with aggregates in place of the rows.
    count, newest, seq = db.session.execute(stmt.with_only_columns(
        func.count(Event.id), func.max(Event.updated_at), func.coalesce(func.sum(Event.sequence), 0),
        maintain_column_froms=True).order_by(None)).one()
    return _version(count, newest, seq, *extra)


@dataclass(frozen=True)
class MemberFeed:
    member_id: int
    language: str | None
    alarm_minutes: int | None
    etag: str
    last_modified: datetime | None


def member_feed(token: str, lang: str | None = None, *, now: datetime | None = None) -> MemberFeed:
    """The private feed behind `token`, with its version — one statement, one round trip, so
    that an hourly poll answered 304 costs little. The version moves when an event in the feed
    changes, when one joins or leaves it, when the member answers anything (a "no" takes an
    event out without changing it), and with the language and reminder asked for.
    NotFound for an unknown (or reset) token."""
    row = None
    if token and len(token) <= 64:
        # Every registration of the member (for their last answer), and the feed's events among them.
        row = db.session.execute(
            select(Member.id, Member.preferred_language, Member.calendar_alarm_minutes,
                   func.count(Event.id), func.max(Event.updated_at), func.coalesce(func.sum(Event.sequence), 0),
                   func.max(Registration.updated_at))
            .outerjoin(Registration, Registration.member_id == Member.id)
            .outerjoin(Event, _in_member_feed(Member.id, now or utcnow()))
            .where(Member.calendar_token == token)
            .group_by(Member.id, Member.preferred_language, Member.calendar_alarm_minutes)).one_or_none()
    if row is None:
        raise NotFound(_("There is no calendar at this address. It may have been reset; get the new "
                         "address from your profile."))
    member_id, preferred, alarm, count, newest, seq, answered = row
    lang = lang or preferred
    etag, modified = _version(count, newest, seq, answered, lang, alarm)
    return MemberFeed(member_id, lang, alarm, etag, modified)


def render_feed(events: Iterable[Event], *, lang: str | None, name: str, alarm_minutes: int | None = 24 * 60,
                seats: bool = False) -> bytes:
    """`seats`: the member's private feed, whose events all hold a seat — with their online links;
    the public feed has none."""
    items = [calendar_item(event, lang, online_url=event.online_url if seats else "") for event in events]
    cal = build_calendar(items, stamp=utcnow(), name=name, refresh=FEED_REFRESH, alarm_minutes=alarm_minutes)
    return to_ics(cal)


def render_event(event: Event, lang: str | None, *, online_url: str = "") -> bytes:
    return to_ics(build_calendar([calendar_item(event, lang, online_url=online_url)], stamp=utcnow()))


# --- the member's private feed --------------------------------------------------------------


def ensure_calendar_token(member: Member) -> str:
    if not member.calendar_token:
        member.calendar_token = secrets.token_urlsafe(32)
        db.session.flush()
    return member.calendar_token


def reset_calendar_token(member: Member, *, actor: User | None = None) -> str:
    """A new private feed URL; the old one stops working at once."""
    member.calendar_token = secrets.token_urlsafe(32)
    db.session.flush()
    audit.record(actor, "calendar.feed_reset", member=member)  # the token itself is never logged
    return member.calendar_token


def member_feed_url(member: Member) -> str:
    return external_url("calendars.member_feed", token=ensure_calendar_token(member))


ALARM_CHOICES = (None, 15, 60, 24 * 60, 2 * 24 * 60, 7 * 24 * 60)


def set_calendar_alarm(member: Member, minutes: object, *, actor: User | None = None) -> None:
    if minutes in ("", "none"):
        minutes = None
    chosen: int | None
    try:
        chosen = None if minutes is None else int(str(minutes))
    except ValueError:
        chosen = -1
    if chosen not in ALARM_CHOICES:
        raise Invalid(_("Choose one of the offered reminder times."), field="calendar_alarm_minutes")
    before = member.calendar_alarm_minutes
    member.calendar_alarm_minutes = chosen
    db.session.flush()
    if before != chosen:
        audit.record(actor, "calendar.alarm_set", member=member,
                     changes={"calendar_alarm_minutes": [before, chosen]})
