"""Names of chapters and institutions on pages, in the reader's language: `{{ chapter|local_name }}`.

The service (alumni.services.names.local_name) decides which name; this only marks it up: a
name in the page's language as plain (escaped) text, the original where no translation exists
inside `<span lang="…">` so that screen readers, fonts and hyphenation treat it as that language."""
from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from markupsafe import Markup, escape

from alumni.services.names import Named, local_name, name_text, reader_language


def page_language() -> str:
    return reader_language(get_locale())


def local_name_markup(thing: Named | None) -> Markup:
    """The name for this page: escaped text, or the original marked with its own `lang`."""
    if thing is None:
        return Markup("")
    shown = local_name(thing, page_language())
    if shown.translated:
        return escape(shown.text)
    return Markup('<span lang="{}">{}</span>').format(shown.lang, shown.text)


def local_name_plain(thing: Named | None) -> str:
    """The name for this page as plain text (attributes, <option> labels, flash messages)."""
    return name_text(thing, page_language())


def local_name_lang(thing: Named | None) -> Markup:
    """` lang="en"` for an element (an <option>) whose text is `thing`'s original name shown to a
    reader of another language; nothing where the name is in the page's language."""
    if thing is None:
        return Markup("")
    shown = local_name(thing, page_language())
    if shown.translated:
        return Markup("")
    return Markup(' lang="{}"').format(shown.lang)


def init_names(app: Flask) -> None:
    app.add_template_filter(local_name_markup, "local_name")
    app.add_template_filter(local_name_plain, "local_name_text")
    app.add_template_filter(local_name_lang, "local_name_lang")
