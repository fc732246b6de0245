"""Feedback after an event (issue 22 item 5) on pages: the member's form (those checked in; the
link in the feedback request mail) and its thank-you page; the organizers' results page (response
rate, counts with small cells suppressed, free texts only when enough answered, no names), its
CSV, the automatic delay and the manual "send the request" after confirmation."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.forms.events import ActionForm
from alumni.i18n import _
from alumni.models import Event, QuestionKind
from alumni.permissions import can_use_manage_area, can_view_event
from alumni.services import feedback as fsvc
from alumni.services import questions as qsvc
from alumni.services.events import get_event
from alumni.web import pickers
from alumni.web.confirm import ask_first, is_confirmed
from alumni.web.manage import managed_event, posted_action
from alumni.web.names import page_language

bp = Blueprint("feedback", __name__)
MANAGE_ACTIONS = ("defaults", "settings", "send")


def _event(event_id: int) -> Event:
    try:
        event = get_event(event_id)
    except ServiceError:
        abort(404)
    if not can_view_event(current_user, event):
        abort(404)
    return event


def _answers_from_form(event: Event) -> dict:
    given: dict = {}
    for q in fsvc.feedback_questions(event):
        values = [x for x in request.form.getlist(f"q-{q.id}") if x != ""]
        if values:
            given[str(q.id)] = values if q.kind == QuestionKind.multiple_choice else values[0]
    return given


def _refused(event: Event, message: str):
    title, _description = event.text_in(page_language())
    return render_template("feedback/refused.html", event=event, title=title, message=message), 403


@bp.route("/events/<int:event_id>/feedback", methods=["GET", "POST"])
@login_required
def form(event_id: int):
    event = _event(event_id)
    try:
        registration = fsvc.answering_registration(event, current_user.member)
    except ServiceError as exc:
        return _refused(event, exc.message)
    error = None
    given = qsvc.answers_of(registration, fsvc.FEEDBACK)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        given = _answers_from_form(event)
        try:
            fsvc.submit(registration, given, actor=current_user, strict=False)
        except ServiceError as exc:
            db.session.rollback()
            error = exc
        else:
            db.session.commit()
            return redirect(url_for("feedback.thanks", event_id=event.id))
        given = {int(k): v for k, v in given.items()}
    asked = fsvc.feedback_questions(event)
    lang = page_language()
    title, _description = event.text_in(lang)
    return render_template(
        "feedback/form.html", event=event, title=title, questions=asked, given=given, error=error, lang=lang,
        registration=registration, open=fsvc.is_open(event), closes_at=fsvc.closes_at(event),
        countries=pickers.country_choices() if any(q.kind == QuestionKind.country for q in asked) else [],
        action_form=ActionForm(),
    ), (422 if error else 200)


@bp.route("/events/<int:event_id>/feedback/thanks")
@login_required
def thanks(event_id: int):
    event = _event(event_id)
    try:
        registration = fsvc.answering_registration(event, current_user.member)
    except ServiceError as exc:
        return _refused(event, exc.message)
    title, _description = event.text_in(page_language())
    return render_template("feedback/thanks.html", event=event, title=title, registration=registration,
                           open=fsvc.is_open(event), closes_at=fsvc.closes_at(event))


# ---------------------------------------------------------------- organizers
def _managed(event_id: int) -> Event:
    if not can_use_manage_area(current_user):
        abort(403)
    return managed_event(event_id)


def _ask_to_send(event: Event):
    back = url_for("feedback.results", event_id=event.id)
    return ask_first(
        title=_("Send the feedback request?"), subject=event.title, lead=_("To everyone checked in at the event."),
        happens=[_("Each person checked in gets one mail in their language with the link to the feedback form "
                   "and to their certificate of attendance."),
                 _("Someone who already got it does not get it again.")],
        button=_("Send the request"), back=back, action=back, fields={"action": "send"})


def _apply(event: Event, action: str):
    if action == "defaults":
        fsvc.add_default_questions(event, actor=current_user)
        flash(_("The default questions are added; change them on the feedback questions page."), "info")
    elif action == "settings":
        fsvc.set_after_hours(event, request.form.get("feedback_after_hours", ""), actor=current_user)
        flash(_("Saved."), "info")
    else:
        if not is_confirmed():
            return _ask_to_send(event)
        queued, _skipped = fsvc.send_requests(event, actor=current_user)
        flash(_("The feedback request is queued for %(n)d people.", n=queued), "info")
    return None


@bp.route("/manage/events/<int:event_id>/feedback", methods=["GET", "POST"])
@login_required
def results(event_id: int):
    event = _managed(event_id)
    error = None
    if request.method == "POST":
        shown, error = posted_action(MANAGE_ACTIONS, lambda action: _apply(event, action),
                                     url_for("feedback.results", event_id=event.id))
        if shown is not None:
            return shown
    asked = {q.id: q for q in fsvc.feedback_questions(event)}
    return render_template(
        "feedback/results.html", event=event, summary=fsvc.results(event), asked=asked, error=error,
        refusal=fsvc.sending_refusal(event), lang=page_language(), action_form=ActionForm(),
        answer_text=qsvc.answer_text,
        max_hours=fsvc.MAX_AFTER_HOURS,
    ), (422 if error else 200)


@bp.route("/manage/events/<int:event_id>/feedback.csv")
@login_required
def results_csv(event_id: int):
    event = _managed(event_id)
    return Response(fsvc.results_csv(event), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="feedback-{event.id}.csv"'})
