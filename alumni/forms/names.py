"""One optional field per language for a thing's name in that language (chapters, institutions):
`name_ja`, `name_zh_Hans`, … Each is labelled with the language's own name and typed in it."""
from __future__ import annotations

from babel import Locale
from wtforms import StringField
from wtforms.validators import Length, Optional

from alumni.i18n import LANGUAGES


def field_name(tag: str) -> str:
    return "name_" + tag.replace("-", "_")


def add_name_fields(form_class: type, max_length: int) -> type:
    """`form_class` with a name field for every language we serve (blank = no translation)."""
    for tag, locale_name in LANGUAGES.items():
        autonym = Locale.parse(locale_name).display_name or tag
        setattr(form_class, field_name(tag), StringField(
            autonym, validators=[Optional(), Length(max=max_length)],
            render_kw={"lang": tag, "dir": "auto", "autocomplete": "off"}))
    return form_class


def names_from(form) -> dict[str, str]:
    """{language: name} as typed (the service trims, drops blanks and checks them)."""
    return {tag: form[field_name(tag)].data or "" for tag in LANGUAGES}


def fill_names(form, names: dict[str, str] | None) -> None:
    for tag in LANGUAGES:
        form[field_name(tag)].data = (names or {}).get(tag, "")


def name_fields(form) -> list:
    return [form[field_name(tag)] for tag in LANGUAGES]
