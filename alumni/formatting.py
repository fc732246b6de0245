"""Dates, times, numbers and time zones as the reader's locale writes them — the one place that
formats them for people (pages, mail, charts). Everything goes through Babel with skeletons or the
locale's standard formats, never a fixed pattern: a Japanese reader sees "2027年1月23日(土) 18:00",
an English one "Sat, Jan 23, 2027, 6:00 PM", a Vietnamese one the time before the date.

Times of events are local wall-clock times in the event's IANA zone (naive datetimes); stored
moments (check-ins, acceptances) are aware UTC datetimes. Every formatter takes either: a naive
value is read as wall-clock time in `zone`, an aware one is shown in `zone`.

Machine formats (ICS, ISO columns of CSV files, logs, form inputs) do not belong here; see
tests/test_formatting.py for the list of places allowed to use fixed patterns."""
from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_gmt, get_timezone_name
from babel.numbers import format_decimal, format_percent
from flask import has_request_context
from flask_babel import get_locale

from alumni.i18n import _, country_name, side_name

LocaleLike = Locale | str | None
#: An IANA name ("Asia/Kolkata") or a tzinfo; None is UTC.
Zone = str | tzinfo | None

#: Skeletons (CLDR "available formats"): the locale orders and punctuates the fields itself.
DAY = "yMMMEd"  # Sat, Jan 23, 2027 · 2027年1月23日(土) · السبت، 23 يناير 2027
DATE_SHORT = "yMMMd"  # Jan 23, 2027 · 2027年1月23日
DAY_MONTH = "MMMd"  # Jan 23 · 1月23日


def locale_of(locale: LocaleLike = None) -> Locale:
    """`locale` as a Babel Locale; by default the locale of the current request (English outside one)."""
    if isinstance(locale, Locale):
        return locale
    if locale is None:
        current = get_locale() if has_request_context() else None
        return current if current is not None else Locale.parse("en")
    try:
        return Locale.parse(str(locale).replace("-", "_"))
    except (ValueError, LookupError):
        return Locale.parse("en")


def _zone(zone: Zone) -> tzinfo:
    if isinstance(zone, tzinfo):
        return zone
    try:
        return ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _aware(moment: datetime, zone: Zone) -> datetime:
    """The moment as an aware datetime in `zone` (a naive one is wall-clock time there)."""
    tz = _zone(zone)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def _join(locale: Locale, day: str, time: str, width: str = "medium") -> str:
    """A date and a time joined as the locale joins them ("{1}, {0}", vi "{0} {1}")."""
    pattern = str(locale.datetime_formats[width]).replace("'", "")
    return pattern.replace("{1}", day).replace("{0}", time)


def _interval(locale: Locale, first: str, second: str) -> str:
    """Two formatted ends of a range with the locale's range pattern ("{0} – {1}", ja "{0}～{1}")."""
    pattern = str(locale.interval_formats.get(None) or "{0} – {1}")
    return pattern.replace("{0}", first).replace("{1}", second)


# ---------------------------------------------------------------- dates and times
def event_day(moment: datetime | date, zone: Zone = None, locale: LocaleLike = None,
              *, full: bool = False) -> str:
    """The day with its weekday: "Sat, Jan 23, 2027", "2027年1月23日(土)"; `full` spells it out as
    a letter does ("Saturday, January 23, 2027", "2027年1月23日土曜日")."""
    loc = locale_of(locale)
    if isinstance(moment, datetime):
        moment = _aware(moment, zone)
        if full:
            return format_date(moment.date(), "full", locale=loc)
        return format_skeleton(DAY, moment, tzinfo=_zone(zone), locale=loc)
    return format_date(moment, "full", locale=loc) if full else format_skeleton(DAY, moment, locale=loc)


def event_time(moment: datetime, zone: Zone = None, locale: LocaleLike = None) -> str:
    """The time of day, 12- or 24-hour as the locale writes it: "6:00 PM", "18:00", "18.00"."""
    loc = locale_of(locale)
    return format_time(_aware(moment, zone), "short", tzinfo=_zone(zone), locale=loc)


def event_datetime(moment: datetime, zone: Zone = None, locale: LocaleLike = None,
                   *, full: bool = False) -> str:
    """Day and time: "Sat, Jan 23, 2027, 6:00 PM", "2027年1月23日(土) 18:00"; `full` for mail
    ("Saturday, January 23, 2027 at 6:00 PM")."""
    loc = locale_of(locale)
    return _join(loc, event_day(moment, zone, loc, full=full), event_time(moment, zone, loc),
                 "full" if full else "medium")


def event_range(start: datetime, end: datetime | None, zone: Zone = None,
                locale: LocaleLike = None, *, full: bool = False) -> str:
    """An event's span: one day and two times on the same day ("2027年1月23日(土) 18:00～21:30"),
    both days and times otherwise, joined with the locale's range pattern."""
    loc = locale_of(locale)
    if end is None or end == start:
        return event_datetime(start, zone, loc, full=full)
    first, last = _aware(start, zone), _aware(end, zone)
    if first.date() == last.date():
        times = _interval(loc, event_time(first, zone, loc), event_time(last, zone, loc))
        return _join(loc, event_day(first, zone, loc, full=full), times, "full" if full else "medium")
    return _interval(loc, event_datetime(first, zone, loc, full=full), event_datetime(last, zone, loc, full=full))


def date_short(value: datetime | date | None, zone: Zone = None, locale: LocaleLike = None) -> str:
    """A date without weekday: "Jan 23, 2027", "2027年1月23日" (empty for no date)."""
    if value is None:
        return ""
    loc = locale_of(locale)
    if isinstance(value, datetime):
        return format_skeleton(DATE_SHORT, _aware(value, zone), tzinfo=_zone(zone), locale=loc)
    return format_skeleton(DATE_SHORT, value, locale=loc)


def moment_short(moment: datetime | None, zone: Zone = None, locale: LocaleLike = None,
                 *, with_year: bool = False) -> str:
    """A stored moment (a check-in, an acceptance) in `zone`: "Nov 28, 1:22 PM", "11月28日 13:22"."""
    if moment is None:
        return ""
    loc = locale_of(locale)
    aware = _aware(moment, zone)
    day = format_skeleton(DATE_SHORT if with_year else DAY_MONTH, aware, tzinfo=_zone(zone), locale=loc)
    return _join(loc, day, event_time(aware, zone, loc), "short")


# ---------------------------------------------------------------- numbers
def number(value: int | float | None, locale: LocaleLike = None) -> str:
    """A count or amount with the locale's digits grouping: "12,345", "12 345" (fr)."""
    if value is None:
        return ""
    return format_decimal(value, locale=locale_of(locale))


def percent(value: float | None, locale: LocaleLike = None) -> str:
    """A share (0.42) as the locale writes a percentage: "42%", "42 %" (fr), "٤٢٪" where used."""
    if value is None:
        return ""
    return format_percent(value, locale=locale_of(locale))


# ---------------------------------------------------------------- time zones
def zone_name(zone: Zone, at: datetime | None = None, locale: LocaleLike = None) -> str:
    """The zone's name in the reader's language at moment `at` (summer time named as such):
    "India Standard Time", "インド標準時", "Central European Summer Time"."""
    tz = _zone(zone)
    moment = _aware(at, tz) if at is not None else datetime.now(UTC).astimezone(tz)
    try:
        return get_timezone_name(moment, "long", locale=locale_of(locale))
    except (LookupError, ValueError):
        return str(zone)


def zone_offset(zone: Zone, at: datetime | None = None, locale: LocaleLike = None) -> str:
    """The zone's offset from UTC at `at`, as the locale writes it: "GMT+05:30", "UTC+05:30" (fr)."""
    tz = _zone(zone)
    moment = _aware(at, tz) if at is not None else datetime.now(UTC).astimezone(tz)
    return get_timezone_gmt(moment, locale=locale_of(locale))


def zone_label(zone: Zone, at: datetime | None = None, locale: LocaleLike = None) -> str:
    """The zone's name and its offset: "インド標準時, GMT+05:30"."""
    loc = locale_of(locale)
    return str(_("%(zone)s, %(offset)s", zone=zone_name(zone, at, loc), offset=zone_offset(zone, at, loc)))


FILTERS = {"event_day": event_day, "event_time": event_time, "event_datetime": event_datetime,
           "date_short": date_short, "moment_short": moment_short, "number": number, "percent": percent,
           "zone_name": zone_name, "zone_offset": zone_offset, "zone_label": zone_label, "side_name": side_name,
           "country_name": country_name}


def init_app(app) -> None:
    """The formatters as Jinja filters (`{{ day|date_short }}`) and `event_range` as a global."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(event_range=event_range)
