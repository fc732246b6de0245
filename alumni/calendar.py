"""Events → iCalendar (RFC 5545) and invitations (RFC 5546). Pure: no request, no database.

The `.ics` routes and the mail attachments both build their calendars here, from
`CalendarItem`s (one per event, in one language), so a feed and an invitation never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vDuration, vText

PRODID = "-//Sakura Science Club//Sakura Alumni//EN"
UID_DOMAIN = "sakura-alumni"


@dataclass(frozen=True)
class CalendarItem:
    """What a calendar needs to know of one event, already in the reader's language."""

    uid: str
    summary: str
    starts_at: datetime          # local wall-clock time in `timezone`, naive
    ends_at: datetime            # local, naive; for all-day items the last day at any time
    timezone: str                # IANA zone the local times are in
    sequence: int
    last_modified: datetime      # aware
    description: str = ""
    location: str = ""
    url: str = ""
    online_url: str = ""
    cancelled: bool = False
    all_day: bool = False
    organizer_email: str = ""
    organizer_name: str = ""
    categories: tuple[str, ...] = field(default_factory=tuple)


def event_uid(event_id: int) -> str:
    """Stable for the life of the event: it never changes across edits."""
    return f"event-{event_id}@{UID_DOMAIN}"


def _vevent(item: CalendarItem, *, stamp: datetime, attendee: tuple[str, str] | None,
            alarm_minutes: int | None, rsvp: bool = True) -> Event:
    ev = Event()
    ev.add("uid", item.uid)
    ev.add("dtstamp", stamp)
    ev.add("sequence", item.sequence)
    ev.add("last-modified", item.last_modified)
    if item.all_day:
        ev.add("dtstart", item.starts_at.date())
        # DTEND of an all-day event is exclusive: the day after the last day.
        ev.add("dtend", item.ends_at.date() + timedelta(days=1))
    else:
        zone = ZoneInfo(item.timezone)
        ev.add("dtstart", item.starts_at.replace(tzinfo=zone))
        ev.add("dtend", item.ends_at.replace(tzinfo=zone))
    ev.add("summary", item.summary)
    description = item.description
    if item.online_url:
        description = f"{description}\n\n{item.online_url}".strip()
    if description:
        ev.add("description", description)
    if item.location or item.online_url:
        ev.add("location", item.location or item.online_url)
    if item.url:
        ev.add("url", item.url)
    if item.online_url:
        ev.add("conference", item.online_url, parameters={"VALUE": "URI"})
    ev.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.categories:
        ev.add("categories", list(item.categories))
    if item.organizer_email:
        organizer = vCalAddress(f"mailto:{item.organizer_email}")
        if item.organizer_name:
            organizer.params["cn"] = vText(item.organizer_name)
        ev.add("organizer", organizer)
    if attendee is not None:
        email, name = attendee
        who = vCalAddress(f"mailto:{email}")
        who.params.update({"cn": vText(name or email), "role": vText("REQ-PARTICIPANT"),
                           "partstat": vText("NEEDS-ACTION"), "rsvp": vText("TRUE" if rsvp else "FALSE")})
        ev.add("attendee", who)
    if alarm_minutes is not None and not item.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.summary)
        alarm.add("trigger", timedelta(minutes=-alarm_minutes))
        ev.add_component(alarm)
    return ev


def build_calendar(items: list[CalendarItem], *, stamp: datetime, method: str | None = None,
                   name: str | None = None, refresh: timedelta | None = None,
                   attendee: tuple[str, str] | None = None, alarm_minutes: int | None = 24 * 60,
                   rsvp: bool = True) -> Calendar:
    """A VCALENDAR holding `items`, with a VTIMEZONE for every zone they use.

    method: None for a feed or download, "REQUEST" for an invitation or update, "CANCEL" for a
    cancellation (RFC 5546); `attendee` (email, name) is named on each event of an invitation,
    asked for a reply (RSVP=TRUE) only where `rsvp` — where replies reach someone (RFC 6047)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    if refresh is not None:
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(refresh))
    for zone in sorted({item.timezone for item in items if not item.all_day}):
        cal.add_component(_vtimezone(zone))
    for item in items:
        cal.add_component(_vevent(item, stamp=stamp, attendee=attendee, alarm_minutes=alarm_minutes, rsvp=rsvp))
    return cal


@lru_cache(maxsize=256)
def _vtimezone(zone: str) -> Timezone:
    """The VTIMEZONE of an IANA zone (built once per process: it is the costly part of a calendar)."""
    return Timezone.from_tzid(zone)


def to_ics(cal: Calendar) -> bytes:
    """Serialized with CRLF line ends, lines folded at 75 octets (never inside a character)."""
    return b"".join(fold_line(line) + b"\r\n" for line in cal.content_lines() if line)


def fold_line(line: str) -> bytes:
    """RFC 5545 folding by octets: at most 75 per physical line, never inside a UTF-8 character
    and never right after a backslash (an escape stays whole). Most lines are short and pass as
    they are; icalendar's own folder walks every character, which dominated feed rendering."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return raw
    parts = []
    start, width = 0, 75
    while len(raw) - start > width:
        end = start + width
        while end > start + 1 and (raw[end] & 0xC0) == 0x80:  # inside a multibyte character
            end -= 1
        if raw[end - 1] == 0x5C and end - 1 > start:  # keep "\\," and "\\n" together
            end -= 1
        parts.append(raw[start:end])
        start, width = end, 74  # continuation lines begin with a space
    parts.append(raw[start:])
    return b"\r\n ".join(parts)


def google_calendar_link(item: CalendarItem) -> str:
    """A Google Calendar "add event" template link for the item."""
    if item.all_day:
        dates = f"{item.starts_at:%Y%m%d}/{(item.ends_at.date() + timedelta(days=1)):%Y%m%d}"
    else:
        dates = f"{item.starts_at:%Y%m%dT%H%M%S}/{item.ends_at:%Y%m%dT%H%M%S}"
    details = item.description + (f"\n\n{item.online_url}" if item.online_url else "")
    return "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": item.summary, "dates": dates, "ctz": item.timezone,
        "details": details.strip(), "location": item.location or item.online_url,
    })


__all__ = ["CalendarItem", "build_calendar", "event_uid", "google_calendar_link", "to_ics"]
