"""Names of things in every language: chapters and institutions (a name in their own language
plus translations, like events' titles) and the programme catalogue (one set of msgids).

One function decides which name a reader sees (`local_name`): the translation into the reader's
language where there is one, else the original together with its own language, so that pages can
mark it (`<span lang="en">India chapter</span>`, alumni.web.names) and plain text uses it as is."""
from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from markupsafe import Markup, escape

from alumni.errors import Forbidden, Invalid
from alumni.extensions import db
from alumni.i18n import LANGUAGES, _
from alumni.models import Chapter, Institution, User
from alumni.models.programmes import PROGRAMME_NAMES
from alumni.permissions import can_name_chapter, can_name_institution
from alumni.services import validation as v

#: The longest name of each kind (the columns' lengths).
CHAPTER_NAME_LENGTH = 200
INSTITUTION_NAME_LENGTH = 300


class Named(Protocol):
    name: str
    language: str
    names: dict[str, str]


class LocalName(NamedTuple):
    """A name as one reader sees it: the text, its language, and whether that is the reader's."""

    text: str
    lang: str
    translated: bool

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        """In HTML (a page, an HTML mail): the text, escaped; an original shown to a reader of
        another language is marked with its own `lang`. Plain text (str) stays unmarked."""
        if self.translated:
            return str(escape(self.text))
        return str(Markup('<span lang="{}">{}</span>').format(self.lang, self.text))


def reader_language(locale: object | None) -> str:
    """The BCP 47 tag we store (zh-Hans) for a Babel locale or locale name (zh_Hans); English
    for anything we do not serve."""
    name = str(locale or "en")
    for tag, babel_name in LANGUAGES.items():
        if babel_name == name or tag == name:
            return tag
    return name.split("_")[0] if name.split("_")[0] in LANGUAGES else "en"


def local_name(thing: Named | None, lang: str | None) -> LocalName:
    """`thing`'s name for a reader of `lang` (a BCP 47 tag we serve, or a Babel locale name):
    the translation where there is one, else the original in its own language."""
    if thing is None:
        return LocalName("", lang or "en", True)
    own = thing.language or "en"
    tag = reader_language(lang)
    if tag == own:
        return LocalName(thing.name, own, True)
    other = (thing.names or {}).get(tag)
    if other:
        return LocalName(other, tag, True)
    return LocalName(thing.name, own, False)


def name_text(thing: Named | None, lang: str | None) -> str:
    """The name as plain text (mail, calendar feeds, CSV, messages): no marking. No `lang`
    (a feed asked for in no language): the original."""
    if thing is None:
        return ""
    return local_name(thing, lang).text if lang else thing.name


def programme_name(code: str | None, fallback: str | None = None) -> str:
    """A programme's name from the translated catalogue, in the current locale; the stored name
    (`fallback`), else the code, for a programme the catalogue does not know yet."""
    if not code:
        return ""
    label = PROGRAMME_NAMES.get(code)
    return str(label) if label is not None else (fallback or code)


def clean_names(value: Any, own_language: str, max_length: int, field: str = "names") -> dict[str, str]:
    """{language: name} checked: supported languages (canonical tags), single lines up to
    `max_length`; a blank name means no translation (dropped), as does one in the own language."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(_("names maps a language to the name in that language."), field=field)
    cleaned: dict[str, str] = {}
    for tag, text in value.items():
        lang = v.language(tag, field)
        if text is not None and not isinstance(text, str):
            raise Invalid(_("names maps a language to the name in that language."), field=field)
        name = v.text(text, field, max_length=max_length)
        if name and lang != own_language:
            cleaned[lang] = name
    return cleaned


def _set_names(thing: Chapter | Institution, values: dict[str, Any], max_length: int) -> None:
    language = v.language(values["language"], "language") if "language" in values else (thing.language or "en")
    if "name" in values:
        thing.name = v.text(values["name"], "name", required=True, max_length=max_length)
    names = clean_names(values["names"], language, max_length) if "names" in values else dict(thing.names or {})
    names.pop(language, None)
    thing.language = language
    thing.names = names


def set_chapter_names(chapter: Chapter, values: dict[str, Any], actor: User | None) -> Chapter:
    """Change a chapter's `names` (the whole map: a language left out loses its name), and
    optionally `language` (of `name`) and `name` itself."""
    if not can_name_chapter(actor, chapter):
        raise Forbidden(_("Only staff and the chapter's organizers may change its names."))
    _set_names(chapter, values, CHAPTER_NAME_LENGTH)
    db.session.flush()
    return chapter


def set_institution_names(institution: Institution, values: dict[str, Any], actor: User | None) -> Institution:
    """Change an institution's `names` (the whole map), and optionally `language` (of `name`).
    The name itself stays: institutions are matched by it."""
    if not can_name_institution(actor):
        raise Forbidden(_("Only staff and organizers may change an institution's names."))
    _set_names(institution, {k: values[k] for k in ("language", "names") if k in values}, INSTITUTION_NAME_LENGTH)
    db.session.flush()
    return institution
