"""The home page and what every template can use."""
from __future__ import annotations

from functools import cache

from babel import Locale
from flask import Blueprint, redirect, render_template, request, session
from flask_babel import get_locale

from alumni.extensions import db
from alumni.i18n import LANGUAGES, RTL_LANGUAGES, babel_locale

bp = Blueprint("main", __name__)


def template_globals() -> dict:
    locale = str(get_locale() or "en")
    tag = next((t for t, name in LANGUAGES.items() if name == locale), "en")
    return {
        "current_lang": tag,
        "text_direction": "rtl" if tag in RTL_LANGUAGES else "ltr",
        "languages": LANGUAGES,
        "chosen_lang": session.get("lang"),
        "language_name": language_name,
    }


@cache
def language_name(tag: str) -> str:
    """A language's name written in that language (日本語, हिन्दी, العربية), from Babel's data
    (the same on every page: kept once computed)."""
    return Locale.parse(babel_locale(tag)).display_name or tag


@bp.route("/language")
def set_language():
    """The language switcher: remembered in the session, then back to the same page."""
    from alumni.web.auth import safe_next

    tag = request.args.get("lang", "")
    if tag in LANGUAGES:
        session["lang"] = tag
    return redirect(safe_next(request.args.get("next")))


@bp.route("/healthz")
def healthz():
    """For load balancers and monitoring: 200 while the database answers, 503 otherwise. Also the
    background processes' last heartbeats and the outbox backlog (messages due and not sent), for
    monitoring: they do not change the status code (the web can serve while the worker is away)."""
    from sqlalchemy import text

    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means "not healthy"
        db.session.rollback()
        return {"status": "unavailable", "database": type(exc).__name__}, 503
    body: dict = {"status": "ok", "database": "ok"}
    try:
        body.update(background_health())
    except Exception:  # the database answered SELECT 1; what it cannot tell here is left out
        db.session.rollback()
    return body


def background_health() -> dict:
    from alumni.services import workers
    from alumni.services.outbox import due_count

    def seen(kind: str) -> dict:
        last = workers.last_beat(kind)
        return {"last_beat": last.isoformat() if last is not None else None, "alive": workers.is_alive(kind)}

    return {"workers": {kind: seen(kind) for kind in workers.KINDS}, "outbox": {"queued_due": due_count()}}


@bp.route("/")
def index():
    from alumni.services.overview import public_counts

    return render_template("main/index.html", stats=public_counts())
