"""What the services that deal with events need without the events service itself (which
builds on registrations for the waitlist): an event's times in UTC and in words, the answer
deadline, a side's name, the not-found error, whether anyone may see it (`alumni.permissions`
needs that). `alumni.services.events` re-exports them."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import get_timezone_location

from alumni import formatting
from alumni.errors import NotFound
from alumni.i18n import _
from alumni.models import Event, EventStatus
from alumni.services import validation as v

#: The longest text each event field takes, in characters. The service checks them; the forms and
#: the API schema read them from here (one place to change a limit; `alumni.services.events`
#: re-exports them).
MAX_LENGTH = {"title": 300, "description": 20_000, "venue": 300, "online_url": 500, "side": 32, "slug": 120,
              "side_quotas": 300}
#: The largest capacity (and side quota) an event takes.
MAX_CAPACITY = 1_000_000

# ---------------------------------------------------------------- time
def to_utc(local: datetime, zone: str) -> datetime:
    """A local wall-clock time in `zone` as an aware UTC datetime (computed with today's rules)."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def moment_text(moment: datetime, zone: str, locale: Locale | str | None) -> str:
    """A stored UTC moment (a check-in) as the day and time in `zone`, the way `locale` writes
    them ("Nov 28, 1:22 PM", "11月28日 13:22"): every page and message says the same moment alike."""
    return formatting.moment_short(moment, zone, Locale.parse(str(locale or "en")))


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
    side = v.text(value, "side", max_length=MAX_LENGTH["side"])
    return side or None


def missing_event(event_id: int) -> NotFound:
    return NotFound(_("There is no event %(id)s.", id=event_id))


def is_public(event: Event) -> bool:
    """Seen by anyone: a published event, or a cancelled one that had been published. A draft
    stays hidden, and so does a draft that was cancelled before anyone could see it."""
    return event.status == EventStatus.published or (
        event.status == EventStatus.cancelled and event.published_at is not None)
