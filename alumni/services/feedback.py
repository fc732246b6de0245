"""Feedback after an event (issue 22 item 5): a short form built with the question engine
(alumni.services.questions, questions of the form "feedback"), asked of those checked in.

- The request goes by mail, once per member and event (mail_keys.feedback), to those checked in,
  with the link to the form and, in the same mail, to their certificate of attendance: sent by an
  organizer after the event, or by the scheduler `feedback_after_hours` after the end when the
  event has it set.
- A member checked in answers once; they may change their answers until the form closes,
  `FEEDBACK_DAYS` after the end. The answers are Answer rows of their registration, so they
  follow the event's retention rule (questions.purge_expired_answers) like registration answers.
- Organizers see counts per option with small cells suppressed (reports.suppress_small) and
  free-text answers only when enough people answered, without names and in no telling order.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale, get_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from alumni import formatting
from alumni.errors import Conflict, Forbidden
from alumni.extensions import db
from alumni.i18n import LANGUAGES, _, _l, babel_locale
from alumni.models import Event, EventStatus, Member, Question, QuestionForm, QuestionKind, Registration, User
from alumni.models.types import utcnow
from alumni.services import csvsafe, mail_keys, outbox
from alumni.services import questions as qsvc
from alumni.services.audit import record
from alumni.services.eventbase import ends_utc
from alumni.services.mailmerge import Recipient, recipient_name, render_rows
from alumni.services.registrations import lock_event
from alumni.services.reports import PUBLICATION_MIN_CELL, suppress_cells
from alumni.services.urls import external_url

FEEDBACK = QuestionForm.feedback
#: The form takes answers this many days after the event's end.
FEEDBACK_DAYS = 30
MAX_AFTER_HOURS = qsvc.MAX_FEEDBACK_AFTER_HOURS
#: Free-text answers are listed only when at least this many people answered the question.
MIN_RESPONSES = PUBLICATION_MIN_CELL
RATING_OPTIONS = ["1", "2", "3", "4", "5"]


def feedback_questions(event: Event) -> list[Question]:
    return qsvc.questions_of(event, FEEDBACK)


def closes_at(event: Event) -> datetime:
    return ends_utc(event) + timedelta(days=FEEDBACK_DAYS)


def is_open(event: Event, now: datetime | None = None) -> bool:
    """The form takes answers: the event has ended, was not cancelled, and the form has not closed."""
    now = now or utcnow()
    return event.status == EventStatus.published and ends_utc(event) <= now < closes_at(event)


# --- organizers: the form and its sending ---------------------------------------------------------

def _catalogue_text(message: LazyString, lang: str) -> str | None:
    """`message` as the catalogue has it in `lang`; None where it is not translated yet."""
    with force_locale("en"):
        english = str(message)
    with force_locale(babel_locale(lang)):
        text = str(message)
    return text if lang == "en" or text != english else None


#: The default form: (kind, label, options, required). The labels come from the catalogue, in
#: the event's language and translated into the others it has them in, when added.
DEFAULT_QUESTIONS: list[tuple[QuestionKind, LazyString, list[str], bool]] = [
    (QuestionKind.single_choice, _l("Overall, how was the event? (1 = poor, 5 = excellent)"), RATING_OPTIONS, True),
    (QuestionKind.long_text, _l("What did you like most?"), [], False),
    (QuestionKind.long_text, _l("What should we change next time?"), [], False),
]


def add_default_questions(event: Event, *, actor: User | None = None) -> list[Question]:
    """The default form (a rating 1–5 and two open questions), labels in the event's language and
    translated into every language the catalogue has them in."""
    added = []
    for kind, message, options, required in DEFAULT_QUESTIONS:
        label = _catalogue_text(message, event.language) or _catalogue_text(message, "en") or ""
        translations = {lang: {"label": text, "options": []} for lang in LANGUAGES
                        if lang != event.language and (text := _catalogue_text(message, lang))}
        added.append(qsvc.add_question(event, {"kind": kind.value, "label": label, "options": options,
                                               "translations": translations, "required": required},
                                       actor=actor, form=FEEDBACK))
    return added


def set_after_hours(event: Event, value: object, *, actor: User | None = None) -> None:
    hours = qsvc.clean_feedback_after_hours(value)
    if hours != event.feedback_after_hours:
        record(actor, "feedback.settings", event=event,
               changes={"feedback_after_hours": [event.feedback_after_hours, hours]})
        event.feedback_after_hours = hours
        db.session.flush()


def _checked_in(event: Event) -> list[Registration]:
    return list(db.session.scalars(select(Registration).join(Member, Registration.member_id == Member.id)
                                   .where(Registration.event_id == event.id, Registration.checked_in_at.is_not(None))
                                   .order_by(Registration.id)))


def sending_refusal(event: Event, now: datetime | None = None) -> str | None:
    """Why the request cannot go now (None: it can)."""
    if not is_open(event, now):
        return _("The feedback request goes out after the event has ended, until the form closes.")
    if not feedback_questions(event):
        return _("Add the feedback questions first.")
    return None


def _request_rows(event: Event, reg: Registration) -> list[outbox.OutboxRow]:
    member = reg.member
    assert member is not None  # _checked_in joins the member
    language = member.preferred_language or "en"
    with force_locale(babel_locale(language)):
        closes = formatting.event_day(closes_at(event), event.timezone, get_locale(), full=True)
    recipient = Recipient(member.id, member.email, language, recipient_name(
        member.given_name, member.family_name, member.native_name, member.family_name_first))
    rows = render_rows("feedback", event, [recipient], mailing=mail_keys.feedback_mailing(event.id),
                       dedup=lambda r: mail_keys.feedback(event.id, r.member_id), extra={
                           "feedback_url": external_url("feedback.form", event_id=event.id),
                           "certificate_url": external_url("documents.attendance_certificate",
                                                           registration_id=reg.id),
                           "closes": closes})
    for row in rows:  # after the event: no calendar entry
        row["ics"], row["ics_method"] = None, None
    return rows


def send_requests(event: Event, *, actor: User | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Queue the request to everyone checked in (each member once, however often this runs);
    answers (queued, skipped). A Conflict when the event has not ended, the form has closed or
    has no questions."""
    event = lock_event(event)  # two senders at once: the second sees the first one's keys
    refusal = sending_refusal(event, now)
    if refusal:
        raise Conflict(refusal)
    rows = [row for reg in _checked_in(event) for row in _request_rows(event, reg)]
    queued, skipped = outbox.queue_many(rows)
    event.feedback_requested_at = now or utcnow()
    record(actor, "feedback.requested", event=event, changes={"queued": [None, queued]})
    db.session.flush()
    return queued, skipped


def send_due_requests(now: datetime | None = None) -> str:
    """The periodic task: events with an automatic delay whose time has come and whose request
    has not gone yet. Idempotent (the event's request time and the mail keys)."""
    now = now or utcnow()
    naive = now.replace(tzinfo=None)
    events = db.session.scalars(select(Event).where(
        Event.status == EventStatus.published, Event.feedback_after_hours.is_not(None),
        Event.feedback_requested_at.is_(None), Event.ends_at < naive + timedelta(days=1),
        Event.ends_at > naive - timedelta(days=FEEDBACK_DAYS + 1)))
    queued = 0
    for event in list(events):
        due = ends_utc(event) + timedelta(hours=event.feedback_after_hours or 0)
        if due > now or sending_refusal(event, now):
            continue
        if lock_event(event).feedback_requested_at is None:
            queued += send_requests(event, now=now)[0]
    return f"queued {queued} feedback requests"


# --- members: answering ---------------------------------------------------------------------------

def asks_feedback(registration: Registration | None, now: datetime | None = None) -> bool:
    """The event page offers its feedback form to this registration: checked in, form open, asked."""
    return (registration is not None and registration.checked_in_at is not None
            and is_open(registration.event, now) and bool(feedback_questions(registration.event)))


def answering_registration(event: Event, member: Member | None) -> Registration:
    """The registration a member answers the form through: theirs, checked in. Forbidden otherwise."""
    reg = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.member_id == (member.id if member else None)))
    if reg is None or reg.checked_in_at is None:
        raise Forbidden(_("Only those checked in at the event can give feedback."))
    return reg


def submit(registration: Registration, raw: Mapping[Any, Any], *, actor: User | None = None,
           strict: bool = True, now: datetime | None = None) -> dict[int, Any]:
    """Store a member's feedback (replacing earlier answers); checked like registration answers
    (required, show_if). A Conflict when the form is not open."""
    event = registration.event
    if registration.checked_in_at is None:
        raise Forbidden(_("Only those checked in at the event can give feedback."))
    if not is_open(event, now):
        raise Conflict(_("The feedback form for this event is closed."))
    values = qsvc.check_answers(event, raw, strict=strict, form=FEEDBACK)
    qsvc.save_answers(registration, values, form=FEEDBACK)
    again = registration.feedback_submitted_at is not None
    registration.feedback_submitted_at = now or utcnow()
    # The answers themselves are not logged: they are anonymous to organizers.
    record(actor, "feedback.changed" if again else "feedback.submitted", event=event, subject=registration,
           member=registration.member_id, changes={"answers": [None, len(values)]})
    db.session.flush()
    return values


# --- organizers: the results ----------------------------------------------------------------------

def _question_result(q: Question, answers: list[Any]) -> dict[str, Any]:
    """Counts (a choice, yes/no or country question) or texts, shown only when at least
    MIN_RESPONSES answered; counts with small cells suppressed, also against subtraction from the
    number who answered (a multiple choice's cells do not add up to it)."""
    given = [a for a in answers if not qsvc._is_empty(a)]
    out: dict[str, Any] = {"id": q.id, "label": q.label, "kind": q.kind.value, "answered": len(given),
                           "texts": None}
    if len(given) < MIN_RESPONSES:
        return out
    if q.kind.is_counted:
        out["counts"] = suppress_cells(qsvc.option_counts(q, given),
                                       total_known=q.kind is not QuestionKind.multiple_choice)
        del out["texts"]
    else:
        out["texts"] = sorted(str(a) for a in given)  # sorted: no telling order
    return out


def results(event: Event) -> dict[str, Any]:
    """Response rate and, per question, counts (small cells suppressed) or free texts (only when
    at least MIN_RESPONSES answered), without names."""
    asked = feedback_questions(event)
    checked_in = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.checked_in_at.is_not(None))) or 0
    respondents = set(db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.feedback_submitted_at.is_not(None))))
    by_reg = qsvc.answers_by_registration(event)
    per_question = [_question_result(q, [by_reg.get(r, {}).get(q.id) for r in sorted(respondents)]) for q in asked]
    return {"checked_in": checked_in, "responses": len(respondents),
            "response_rate": round(len(respondents) / checked_in, 3) if checked_in else None,
            "closes_at": closes_at(event), "requested_at": event.feedback_requested_at,
            "min_cell": PUBLICATION_MIN_CELL, "questions": per_question}


def results_csv(event: Event) -> bytes:
    """The results as CSV (question, answer, count), the same suppression as the page; UTF-8
    with a BOM for spreadsheets."""
    summary = results(event)
    rows: list[list[Any]] = [["question", "answer", "count"],
                             ["(checked in)", "", summary["checked_in"]], ["(responses)", "", summary["responses"]]]
    for q in summary["questions"]:
        if "counts" in q:
            rows += [[q["label"], option, n] for option, n in q["counts"].items()]
        elif q["texts"] is not None:
            rows += [[q["label"], text, ""] for text in q["texts"]]
        else:
            rows.append([q["label"], _("(fewer than %(n)d answers: not shown)", n=MIN_RESPONSES), q["answered"]])
    buffer = io.StringIO()
    csvsafe.writer(buffer).writerows(rows)  # labels and answers are typed by people
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
