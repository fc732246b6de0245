"""Choices for the pickers of organizer and member forms: names in the page's language, codes in
the values (the services validate the codes). static/pickers.js turns the selects these fill into
type-to-filter widgets; without it they are ordinary selects."""
from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location
from babel.lists import format_list
from flask_babel import get_locale
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from alumni.extensions import db
from alumni.i18n import _, country_name
from alumni.models import Chapter, Institution, Member, Programme
from alumni.services.names import LocalName, local_name, programme_name, reader_language
from alumni.services.validation import _timezones

PICKER = {"data-picker": ""}


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")




def country_choices() -> list[SelectChoice]:
    """Every country by its name in the page's language (ISO 3166-1 alpha-2 values)."""
    locale = _locale()
    return [SelectChoice(code, name) for code, name in _sorted_countries(str(locale))]


#: One entry per page language (ten); bounded all the same.
@lru_cache(maxsize=16)
def _sorted_countries(locale_name: str) -> tuple[tuple[str, str], ...]:
    locale = Locale.parse(locale_name)
    pairs = ((c.alpha_2, country_name(c.alpha_2, locale)) for c in pycountry.countries)
    return tuple(sorted(pairs, key=lambda p: p[1]))


def programme_choices() -> list[SelectChoice]:
    rows = db.session.execute(select(Programme.code, Programme.name).order_by(Programme.sort_order, Programme.code))
    return [SelectChoice(code, f"{label} ({code})" if label and label != code else code)
            for code, label in ((code, programme_name(code, name)) for code, name in rows)]


def fiscal_year_choices() -> list[SelectChoice]:
    """The cohort fiscal years that members have, newest first."""
    years = db.session.scalars(select(Member.cohort).where(Member.cohort.is_not(None)).distinct()
                               .order_by(Member.cohort.desc()))
    return [SelectChoice(str(y), _("FY%(year)s (April %(year)s – March %(next)s)", year=y, next=y + 1))
            for y in years if y is not None]


def chapter_choices(first: Chapter | None = None) -> list[SelectChoice]:
    """Every chapter by its name and countries (`first` leading), after the explicit "all
    chapters" option: no limit must never look like a chapter."""
    locale = _locale()
    lang = reader_language(locale)
    named = [(chapter, local_name(chapter, lang)) for chapter in db.session.scalars(select(Chapter))]
    named.sort(key=lambda pair: (first is None or pair[0].id != first.id, pair[1].text.casefold()))
    choices = [SelectChoice("", _("All chapters — members of every country"))]
    for chapter, name in named:
        countries = format_list([country_name(c, locale) for c in chapter.countries], locale=locale)
        label = _("%(chapter)s (%(countries)s)", chapter=name.text, countries=countries) if countries else name.text
        choices.append(SelectChoice(chapter.code, label, render_kw=_lang_of(name)))
    return choices


def _lang_of(name: LocalName) -> dict[str, str] | None:
    """The option's own `lang` where it shows an original name to a reader of another language."""
    return None if name.translated else {"lang": name.lang}


def institution_choices(country: str | None = None, blank: str | None = "—") -> list[SelectChoice]:
    """Institutions by name (and country, where not limited to one)."""
    stmt = select(Institution).order_by(Institution.name)
    if country:
        stmt = stmt.where(Institution.country == country)
    locale = _locale()
    lang = reader_language(locale)
    named = sorted(((i, local_name(i, lang)) for i in db.session.scalars(stmt)),
                   key=lambda pair: pair[1].text.casefold())
    choices = [SelectChoice("", blank)] if blank is not None else []
    for i, name in named:
        label = name.text if country else f"{name.text} ({country_name(i.country, locale)})"
        choices.append(SelectChoice(str(i.id), label, render_kw=_lang_of(name)))
    return choices


# ---------------------------------------------------------------- time zones
#: One entry per page language (ten); bounded all the same.
@lru_cache(maxsize=16)
def _zone_groups(locale_name: str) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """(country code, country name, ((zone, city), …)) for every country, by country name."""
    locale = Locale.parse(locale_name)
    valid = _timezones()
    groups = []
    for territory, zones in get_global("territory_zones").items():
        zones = [z for z in zones if z in valid]
        if not zones or len(territory) != 2 or not territory.isalpha():
            continue
        cities = sorted(((z, get_timezone_location(z, locale=locale, return_city=True)) for z in zones),
                        key=lambda p: p[1])
        groups.append((territory, country_name(territory, locale), tuple(cities)))
    return tuple(sorted(groups, key=lambda g: g[1]))


def timezone_choices(first_country: str | None = None, current: str | None = None) -> list[SelectChoice]:
    """IANA zones grouped by country, named in the page's language; `first_country`'s zones lead.
    The stored zone is kept even where Babel does not list it (e.g. UTC or an old alias)."""
    locale = _locale()
    groups = list(_zone_groups(str(locale)))
    if first_country:
        groups.sort(key=lambda g: g[0] != first_country)
    choices = []
    for _code, name, cities in groups:
        for zone, city in cities:
            label = name if len(cities) == 1 else f"{city} ({name})"
            choices.append(SelectChoice(zone, f"{label} · {zone}", optgroup=name))
    other = _("Other")
    listed = {c.value for c in choices}
    for zone in ("UTC", current or ""):
        if zone and zone not in listed and zone in _timezones():
            choices.append(SelectChoice(zone, zone, optgroup=other))
            listed.add(zone)
    return choices
