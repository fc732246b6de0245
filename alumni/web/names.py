"""Names of chapters and institutions on pages, in the reader's language: `{{ chapter|local_name }}`.

The service (alumni.services.names.local_name) decides which name; this only marks it up: a
name in the page's language as plain (escaped) text, the original where no translation exists
inside `<span lang="…">` so that screen readers, fonts and hyphenation treat it as that language."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.forms import show_errors
from alumni.forms.institutions import ChapterNamesForm
from alumni.forms.names import fill_names, name_fields, names_from
from alumni.i18n import _
from alumni.models import Chapter
from alumni.permissions import can_name_chapter
from alumni.services import names as names_svc
from alumni.services.names import Named, local_name, name_text, reader_language


def page_language() -> str:
    return reader_language(get_locale())


def local_name_markup(thing: Named | None) -> Markup:
    """The name for this page: escaped text, or the original marked with its own `lang`."""
    if thing is None:
        return Markup("")
    return Markup(local_name(thing, page_language()).__html__())


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


bp = Blueprint("names", __name__, url_prefix="/manage/chapters")


@bp.route("")
@login_required
def chapters():
    """The chapters whose names the reader may give in other languages."""
    rows = [c for c in db.session.scalars(select(Chapter).order_by(Chapter.code)) if can_name_chapter(current_user, c)]
    if not rows:
        abort(403)
    return render_template("manage/chapters.html", chapters=rows)


@bp.route("/<code>/names", methods=["GET", "POST"])
@login_required
def chapter_names(code: str):
    chapter = db.session.scalar(select(Chapter).where(Chapter.code == code.upper()))
    if chapter is None:
        abort(404)
    if not can_name_chapter(current_user, chapter):
        abort(403)
    form = ChapterNamesForm()
    if request.method == "GET":
        fill_names(form, chapter.names)
    if form.validate_on_submit():
        try:
            names_svc.set_chapter_names(chapter, {"names": names_from(form)}, current_user)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The names of %(chapter)s are saved.", chapter=local_name_plain(chapter)), "info")
            return redirect(url_for("names.chapters"))
    return (render_template("manage/chapter_names.html", form=form, chapter=chapter, name_fields=name_fields(form)),
            422 if form.errors else 200)


def init_names(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(local_name_markup, "local_name")
    app.add_template_filter(local_name_plain, "local_name_text")
    app.add_template_filter(local_name_lang, "local_name_lang")
