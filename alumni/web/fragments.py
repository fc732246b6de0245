"""Fragments: parts of a page rendered once and shown to many viewers (cached in web/pagecache.py).

A fragment is rendered in its own Jinja environment, from the context its caller passes and
nothing else: no `current_user`, `request`, `session`, `g` or context processors. What it shows
is then exactly what its cache key names, and a template edit cannot put one member's data into
a fragment served to everyone. Templates, filters and translations are the app's."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from jinja2 import Environment
from markupsafe import Markup

from alumni.i18n import _template_gettext, _template_ngettext

EXTENSION_KEY = "alumni.fragments"


def init_fragments(app: Flask) -> None:
    """The app's fragment environment (once per app, kept in its extension state)."""
    source = app.jinja_env
    env = Environment(loader=source.loader, autoescape=True, extensions=["jinja2.ext.i18n"],
                      undefined=source.undefined, trim_blocks=source.trim_blocks, lstrip_blocks=source.lstrip_blocks,
                      auto_reload=source.auto_reload)
    env.filters.update(source.filters)
    env.tests.update(source.tests)
    # Jinja's own globals (range, dict, …) and `_`, which the i18n extension resolves to these:
    env.globals.update(gettext=_template_gettext, ngettext=_template_ngettext)
    app.extensions[EXTENSION_KEY] = env


def fragment_environment() -> Environment:
    return current_app.extensions[EXTENSION_KEY]


def render_fragment(template: str, /, **context: Any) -> Markup:
    """`template` rendered from `context` alone (see the module's docstring)."""
    return Markup(fragment_environment().get_template(template).render(**context))
