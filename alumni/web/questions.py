"""Organizers' pages of an event's registration questions and of its feedback questions (issue 22;
the same engine, QuestionForm): a form per question (add, change, move up or down, delete after
confirmation). Options are typed one a line; the question
another depends on (show_if) is picked by its label, never by an id."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from alumni.errors import ServiceError
from alumni.forms.events import ActionForm
from alumni.i18n import LANGUAGES, _
from alumni.models import Event, Question, QuestionForm, QuestionKind
from alumni.permissions import can_use_manage_area
from alumni.services import questions as qsvc
from alumni.web.confirm import ask_first, is_confirmed
from alumni.web.manage import managed_event, posted_action

bp = Blueprint("questions", __name__, url_prefix="/manage")
ACTIONS = ("add", "save", "up", "down", "delete")
#: Each form's page (endpoint).
PAGES = {QuestionForm.registration: "questions.page", QuestionForm.feedback: "questions.feedback_page"}


@bp.before_request
@login_required
def organizers_only():
    if not can_use_manage_area(current_user):
        abort(403)


def _values(event: Event) -> dict[str, Any]:
    """A question's fields from its form; the translation of one language at a time."""
    form = request.form
    values: dict[str, Any] = {
        "kind": form.get("kind", ""), "label": form.get("label", ""), "options": form.get("options", ""),
        "required": form.get("required") == "1",
    }
    parent = form.get("show_if_question", "")
    values["show_if"] = {"question": parent, "value": form.get("show_if_value", "")} if parent else None
    lang = form.get("translation_language", "")
    if lang:
        values["translations"] = {lang: {"label": form.get("translation_label", ""),
                                         "options": form.get("translation_options", "")}}
    return values


def _merged_translations(question: Question, values: dict[str, Any]) -> None:
    """A form changes one language's translation; the others are kept."""
    if "translations" in values:
        values["translations"] = {**(question.translations or {}), **values["translations"]}


def _question(event: Event, form: QuestionForm) -> Question:
    raw = request.form.get("question_id", "")
    if not raw.isdigit():
        abort(400)
    try:
        return qsvc.get_question(event, int(raw), form)
    except ServiceError:
        abort(404)


def _ask_to_delete(event: Event, question: Question):
    back = url_for(PAGES[question.form], event_id=event.id)
    return ask_first(
        title=_("Delete this question?"), subject=question.label, lead=event.title,
        happens=[_("The question and every answer given to it are deleted."),
                 _("Questions shown only after an answer to it are then always shown.")],
        button=_("Delete the question"), back=back, action=back,
        fields={"action": "delete", "question_id": str(question.id)})


def _apply(event: Event, action: str, form: QuestionForm):
    """Do what the form asked; answers a response when one is needed (the confirmation page)."""
    if action == "add":
        qsvc.add_question(event, _values(event), actor=current_user, form=form)
        return None
    question = _question(event, form)
    if action == "delete":
        if not is_confirmed():
            return _ask_to_delete(event, question)
        qsvc.delete_question(question, actor=current_user)
    elif action == "save":
        values = _values(event)
        _merged_translations(question, values)
        qsvc.update_question(question, values, actor=current_user)
    else:
        qsvc.move_question(question, -1 if action == "up" else 1, actor=current_user)
    return None


@bp.route("/events/<int:event_id>/questions", methods=["GET", "POST"])
def page(event_id: int):
    return _page(event_id, QuestionForm.registration)


@bp.route("/events/<int:event_id>/feedback/questions", methods=["GET", "POST"])
def feedback_page(event_id: int):
    return _page(event_id, QuestionForm.feedback)


def _page(event_id: int, form: QuestionForm):
    event = managed_event(event_id)
    error = None
    if request.method == "POST":
        shown, error = posted_action(ACTIONS, lambda action: _apply(event, action, form),
                                     url_for(PAGES[form], event_id=event.id), _("The questions are saved."))
        if shown is not None:
            return shown
    asked = qsvc.questions_of(event, form)
    return render_template(
        "manage/questions.html", event=event, questions=asked, kinds=list(QuestionKind), error=error,
        feedback=form == QuestionForm.feedback,
        languages=[t for t in LANGUAGES if t != event.language], action_form=ActionForm(),
    ), (422 if error else 200)
