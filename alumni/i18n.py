"""Locales we serve, locale selection, and the translation helpers used everywhere."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_translations, ngettext  # noqa: F401
from flask_babel import lazy_gettext as _l  # noqa: F401 - re-exported
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

if TYPE_CHECKING:
    # Flask-Babel has no type hints: its gettext is typed here (a str, for strict services).
    def _(string: str, /, **variables: object) -> str: ...
else:
    from flask_babel import gettext as _  # noqa: F401 - re-exported: `from alumni.i18n import _`

#: BCP 47 tags we store (members' preferred_language, event languages) -> Babel locale names.
LANGUAGES: dict[str, str] = {
    "en": "en",
    "ja": "ja",
    "zh-Hans": "zh_Hans",
    "hi": "hi",
    "id": "id",
    "th": "th",
    "vi": "vi",
    "fr": "fr",
    "es": "es",
    "ar": "ar",
}
RTL_LANGUAGES = {"ar"}
DEFAULT_LANGUAGE = "en"


def babel_locale(tag: str | None) -> str:
    """The Babel locale name for a stored BCP 47 tag (unknown tags fall back to English)."""
    return LANGUAGES.get(tag or "", "en")


def country_name(code: str | None, locale: Locale | None = None) -> str:
    """A country's name in `locale` (the page's language by default; Babel's territory names);
    the code itself if Babel does not know it, "" for none."""
    if not code:
        return ""
    if locale is None:
        locale = get_locale() or Locale.parse("en")
    return locale.territories.get(code) or code


def side_name(side: str | None, locale: Locale | None = None) -> str:
    """A forum's side as people read it: the country's name where organizers used its code
    ("JP" → "Japan", 日本), otherwise the name they typed ("Africa")."""
    if not side:
        return ""
    if len(side) == 2 and side.isalpha() and side.isupper():
        return country_name(side, locale)
    return side


#: Bounded: called with the catalogue's tags (a handful); a stray tag cannot grow it.
@lru_cache(maxsize=64)
def language_name(tag: str) -> str:
    """A language's name written in that language (日本語, हिन्दी, العربية), from Babel's data
    (the same on every page: kept once computed)."""
    return Locale.parse(babel_locale(tag)).display_name or tag


def select_locale() -> str:
    """Explicit choice → the member's preferred language → Accept-Language → English."""
    if not has_request_context():
        return "en"
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return babel_locale(chosen)
    member = None
    # A bare app (a test's) has no login manager; anything else (a database error loading the
    # user) is not hidden here: it propagates, and the request's error handler rolls back.
    if getattr(current_app, "login_manager", None) is not None and current_user.is_authenticated:
        member = getattr(current_user, "member", None)
    if member is not None and member.preferred_language in LANGUAGES:
        return babel_locale(member.preferred_language)
    best = request.accept_languages.best_match(list(LANGUAGES.values()) + list(LANGUAGES))
    if best:
        return babel_locale(best) if best in LANGUAGES else best
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


# --- templates' _() and ngettext() ----------------------------------------------------------
# Flask-Babel's template callables look the translations up again for every string (three
# context lookups through `g` each); a page has dozens of strings. Here the translations are
# looked up once per render (a context processor) and the callables read them from the
# template context — the same output, formatted and escaped as Jinja's newstyle gettext does.
_TRANSLATIONS_KEY = "_babel_translations"


def _translations_in(context):
    return context.get(_TRANSLATIONS_KEY) or get_translations()


@pass_context
def _template_gettext(__context, __string, **variables):
    rv = _translations_in(__context).ugettext(__string)
    if __context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def _template_ngettext(__context, __singular, __plural, __num, **variables):
    variables.setdefault("num", __num)
    rv = _translations_in(__context).ungettext(__singular, __plural, __num)
    if __context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


def init_template_gettext(app) -> None:
    """After Babel's init_app: replace its per-string lookups in templates."""
    app.jinja_env.globals.update(gettext=_template_gettext, ngettext=_template_ngettext)

    @app.context_processor
    def _translations() -> dict:
        return {_TRANSLATIONS_KEY: get_translations()}
