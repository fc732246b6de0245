"""What the services that deal with events need without the events service itself (which
builds on registrations for the waitlist): an event's times in UTC and in words, the answer
deadline, a side's name, the not-found error. `alumni.services.events` re-exports the times."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_time, get_timezone_location

from alumni.errors import NotFound
from alumni.i18n import _
from alumni.models import Event
from alumni.services import validation as v


# ---------------------------------------------------------------- time
def to_utc(local: datetime, zone: str) -> datetime:
    """A local wall-clock time in `zone` as an aware UTC datetime (computed with today's rules)."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def moment_text(moment: datetime, zone: str, locale: Locale | str | None) -> str:
    """A stored UTC moment (a check-in) as the day and time in `zone`, the way `locale` writes
    them ("Nov 28, 1:22 PM", "11月28日 13:22"): every page and message says the same moment alike."""
    loc = Locale.parse(str(locale or "en"))
    tz = ZoneInfo(zone)
    day = format_skeleton("MMMd", moment, tzinfo=tz, locale=loc)
    time = format_time(moment, "short", tzinfo=tz, locale=loc)  # 12- or 24-hour, as the locale writes it
    return str(loc.datetime_formats["short"]).replace("{1}", day).replace("{0}", time)


def zone_label(zone: str, locale: Locale | str | None) -> str:
    """The zone by its name in the reader's language ("India Time", "インド時間")."""
    try:
        return get_timezone_location(ZoneInfo(zone), locale=Locale.parse(str(locale or "en")))
    except (LookupError, ValueError):
        return zone


def in_zone(local: datetime, event_zone: str, viewer_zone: str) -> datetime:
    """The same moment as seen in another zone (aware)."""
    return local.replace(tzinfo=ZoneInfo(event_zone)).astimezone(ZoneInfo(viewer_zone))


def starts_utc(event: Event) -> datetime:
    return to_utc(event.starts_at, event.timezone)


def ends_utc(event: Event) -> datetime:
    return to_utc(event.ends_at, event.timezone)


def answers_close_utc(event: Event) -> datetime:
    """Answers are taken until the deadline, or, without one, until the event ends."""
    if event.registration_deadline is not None:
        return to_utc(event.registration_deadline, event.timezone)
    return ends_utc(event)


def clean_side(value: object) -> str | None:
    side = v.text(value, "side", max_length=32)
    return side or None


def missing_event(event_id: int) -> NotFound:
    return NotFound(_("There is no event %(id)s.", id=event_id))
