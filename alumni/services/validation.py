"""Validation at the edge of the service layer: each check names the field it is about."""
from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Literal, TypeVar, overload
from zoneinfo import available_timezones

import pycountry
from email_validator import EmailNotValidError, validate_email

from alumni.errors import Invalid
from alumni.i18n import LANGUAGES, _
from alumni.rules import fiscal_year


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


E = TypeVar("E", bound=enum.Enum)

_LANGUAGE_KEYS = {tag.lower().replace("_", "-"): tag for tag in LANGUAGES}


@overload
def country(value: object, field: str = ..., *, required: Literal[True] = ...) -> str: ...
@overload
def country(value: object, field: str = ..., *, required: bool) -> str | None: ...
def country(value: object, field: str = "country", *, required: bool = True) -> str | None:
    """An ISO 3166-1 alpha-2 code, upper-cased."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid(_("%(field)s is required.", field=field), field=field)
        return None
    code = str(value).strip().upper()
    if code not in _countries():
        raise Invalid(
            _("%(value)s is not an ISO 3166-1 alpha-2 country code (for example JP, IN, KE).", value=value),
            field=field,
        )
    return code


def language(value: object, field: str = "preferred_language") -> str:
    """A BCP 47 tag among the languages we support, in its canonical spelling (zh-Hans)."""
    key = str(value or "").strip().lower().replace("_", "-")
    if key not in _LANGUAGE_KEYS:
        raise Invalid(
            _("%(value)s is not a supported language; use one of %(tags)s.",
              value=value, tags=", ".join(LANGUAGES)),
            field=field,
        )
    return _LANGUAGE_KEYS[key]


def timezone_name(value: object, field: str = "timezone") -> str:
    name = str(value or "").strip()
    if name not in _timezones():
        raise Invalid(
            _("%(value)s is not an IANA time zone (for example Asia/Tokyo).", value=value), field=field
        )
    return name


def email(value: object, field: str = "email") -> str:
    """The one spelling of an address that is stored and compared, wherever it enters (sign-up,
    login, reset, API, import, CLI): email-validator turns the domain through IDNA (UTS 46) into
    its Unicode form (`xn--bcher-kva.example` → `bücher.example`) and the local part into Unicode
    NFC; then the whole address is lower-cased (our case rule: `Ana@` and `ana@` are one
    address), and NFC again (lower-casing may decompose). Raises Invalid for no address."""
    text = str(value or "").strip()
    if not text:
        raise Invalid(_("%(field)s is required.", field=field), field=field)
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(_("%(value)s is not a valid email address: %(reason)s", value=text, reason=str(exc)),
                      field=field) from None
    return unicodedata.normalize("NFC", result.normalized.lower())


def email_key(value: object) -> str | None:
    """`email(value)` for looking an address up: None for a text that is no address."""
    try:
        return email(value)
    except Invalid:
        return None


def text(value: object, field: str, *, required: bool = False, max_length: int = 200, multiline: bool = False) -> str:
    result = "" if value is None else str(value).strip()
    if "\x00" in result:
        raise Invalid(_("%(field)s contains a NUL character.", field=field), field=field)
    if not multiline and ("\n" in result or "\r" in result):
        raise Invalid(_("%(field)s must be a single line of text.", field=field), field=field)
    if required and not result:
        raise Invalid(_("%(field)s is required.", field=field), field=field)
    if len(result) > max_length:
        raise Invalid(_("%(field)s is longer than %(n)d characters.", field=field, n=max_length), field=field)
    return result


@overload
def choice(value: object, enum_cls: type[E], field: str, *, required: Literal[True] = ...) -> E: ...
@overload
def choice(value: object, enum_cls: type[E], field: str, *, required: bool) -> E | None: ...
def choice(value: object, enum_cls: type[E], field: str, *, required: bool = True) -> E | None:
    if value is None or value == "":
        if required:
            raise Invalid(_("%(field)s is required.", field=field), field=field)
        return None
    try:
        return enum_cls(value)
    except ValueError:
        raise Invalid(
            _("%(value)s is not allowed for %(field)s; use one of %(choices)s.",
              value=value, field=field, choices=", ".join(m.value for m in enum_cls)),
            field=field,
        ) from None


@overload
def parse_date(value: object, field: str, *, required: Literal[True] = ...) -> date: ...
@overload
def parse_date(value: object, field: str, *, required: bool) -> date | None: ...
def parse_date(value: object, field: str, *, required: bool = True) -> date | None:
    """A date object, or an ISO 8601 date string (YYYY-MM-DD)."""
    if value is None or value == "":
        if required:
            raise Invalid(_("%(field)s is required.", field=field), field=field)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(_("%(value)s is not a date in the form YYYY-MM-DD.", value=value), field=field) from None


def dates_ordered(start: date | None, end: date | None, field: str = "end_date") -> None:
    if start is not None and end is not None and end < start:
        raise Invalid(_("The end date %(end)s is before the start date %(start)s.", end=end, start=start),
                      field=field)


def year(value: object, field: str) -> int:
    """A calendar or fiscal year the programme could have (1900–2200)."""
    try:
        result = int(str(value).strip())
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(float('inf'))
        raise Invalid(_("%(value)s is not a year.", value=value), field=field) from None
    if not 1900 <= result <= 2200:
        raise Invalid(_("%(value)s is not a year between 1900 and 2200.", value=value), field=field)
    return result


def fiscal_year_matches(value: object, start: date, field: str = "fiscal_year") -> int:
    """The Japanese fiscal year of `start`; a given value must agree with it."""
    expected = fiscal_year(start)
    if value is None or value == "":
        return expected
    try:
        if not isinstance(value, int | float | str):
            raise TypeError(value)
        year = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(float('inf'))
        raise Invalid(_("%(value)s is not a year.", value=value), field=field) from None
    if year != expected:
        raise Invalid(
            _("A participation starting on %(start)s belongs to fiscal year %(expected)d "
              "(April to March), not %(year)d.", start=start, expected=expected, year=year),
            field=field,
        )
    return year


def ror_id(value: object, field: str = "ror_id") -> str | None:
    """A Research Organization Registry id, bare or as its URL ("https://ror.org/057zh3y96") →
    "057zh3y96"; empty → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    bare = str(value).strip().rstrip("/").rsplit("/", 1)[-1].lower()
    if not re.fullmatch(r"0[a-z0-9]{6}\d{2}", bare):
        raise Invalid(_("This is not a ROR id (like https://ror.org/057zh3y96)."), field=field)
    return bare
