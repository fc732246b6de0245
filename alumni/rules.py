"""The programme's definitions, as pure functions (PRODUCT.md, "Rules that matter")."""
from __future__ import annotations

from datetime import date, datetime

#: A stay of this many days or fewer is short-term (the ministry's definition).
SHORT_TERM_MAX_DAYS = 30


def fiscal_year(day: date) -> int:
    """Japanese fiscal year (年度): April 1 → March 31. 2025-02-15 belongs to FY2024."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fy: int) -> tuple[date, date]:
    """First and last day of a fiscal year."""
    return date(fy, 4, 1), date(fy + 1, 3, 31)


def stay_days(start: date, end: date) -> int:
    """Length of a stay counting the first and the last day: June 1 → June 30 is 30 days."""
    return (end - start).days + 1


def is_short_term(start: date, end: date) -> bool:
    return stay_days(start, end) <= SHORT_TERM_MAX_DAYS


#: A member's record counts as confirmed for reports this many months after they confirmed it.
CONFIRMED_MONTHS = 24


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day where the
    day does not exist then: 31 May − 3 months is 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - date(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))
