"""The home page and what every template can use."""
from __future__ import annotations

from flask import Blueprint, render_template, session
from flask_babel import get_locale
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.i18n import LANGUAGES, RTL_LANGUAGES
from alumni.models import Chapter, Member, Participation

bp = Blueprint("main", __name__)


def template_globals() -> dict:
    locale = str(get_locale() or "en")
    tag = next((t for t, name in LANGUAGES.items() if name == locale), "en")
    return {
        "current_lang": tag,
        "text_direction": "rtl" if tag in RTL_LANGUAGES else "ltr",
        "languages": LANGUAGES,
        "chosen_lang": session.get("lang"),
    }


@bp.route("/")
def index():
    stats = {
        "members": db.session.scalar(select(func.count(Member.id))),
        "countries": db.session.scalar(select(func.count(func.distinct(Member.country)))),
        "participations": db.session.scalar(select(func.count(Participation.id))),
        "chapters": db.session.scalar(select(func.count(Chapter.id))),
    }
    return render_template("main/index.html", stats=stats)
