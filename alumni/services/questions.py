"""Registration questions per event (issue 22): what organizers ask those who answer yes or
maybe, the members' answers, the counts for the summary and the CSV, and the retention rule.

Kinds: text, long text, single and multiple choice, yes/no, country, date. A question may be
required, and may be shown only if another question's answer has a given value (`show_if`). The
server decides what is shown: an answer to a hidden question is refused where the caller gave it
on purpose (the API, strict) and dropped where a page without JavaScript sent it (not strict).
Answers are stored as: str (text, choice, country code, ISO date), bool (yes/no), list[str]
(multiple choice; the options' texts in the event's language).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from alumni.errors import Invalid, NotFound
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import (
    Answer,
    Event,
    Question,
    QuestionForm,
    QuestionKind,
    Registration,
    RegistrationStatus,
    User,
)
from alumni.models.types import utcnow
from alumni.services import validation as v
from alumni.services.audit import plain, record
from alumni.services.eventbase import ends_utc

MAX_LABEL = 500
MAX_OPTIONS = 50
MAX_TEXT = 500
MAX_LONG_TEXT = 5000
MAX_RETENTION_DAYS = 3650
DEFAULT_RETENTION_DAYS = 90
#: The longest delay after the end for the automatic feedback request (alumni.services.feedback): a week.
MAX_FEEDBACK_AFTER_HOURS = 168
QUESTION_FIELDS = ("kind", "label", "options", "translations", "required", "show_if")
#: Registrations whose answers the summary counts (those who come, may come, or wait for a seat).
COUNTED = (RegistrationStatus.yes, RegistrationStatus.maybe, RegistrationStatus.waitlisted)
YES_NO = {"yes": True, "no": False, "true": True, "false": False}


def get_question(event: Event, question_id: int, form: QuestionForm | None = None) -> Question:
    """One question of `event` (of `form`, if given)."""
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id or (form is not None and question.form != form):
        raise NotFound(_("There is no question %(id)s.", id=question_id))
    return question


def questions_of(event: Event, form: QuestionForm = QuestionForm.registration) -> list[Question]:
    """The event's questions of one form (the registration's unless told), in order."""
    return list(db.session.scalars(select(Question).where(Question.event_id == event.id, Question.form == form)
                                   .order_by(Question.position, Question.id)))


# --- organizers: the questions ------------------------------------------------------------------

def _options(value: object) -> list[str]:
    """A list, or text with one option a line; blank lines dropped, duplicates refused."""
    items = value.splitlines() if isinstance(value, str) else list(value or []) if isinstance(value, list | tuple) \
        else None
    if items is None:
        raise Invalid(_("Options are a list, one option a line."), field="options")
    options = [v.text(item, "options", max_length=MAX_LABEL) for item in items]
    options = [o for o in options if o]
    if len(set(options)) != len(options):
        raise Invalid(_("Each option may appear only once."), field="options")
    if len(options) > MAX_OPTIONS:
        raise Invalid(_("A question has at most %(n)d options.", n=MAX_OPTIONS), field="options")
    return options


def _translations(value: object, event: Event, n_options: int) -> dict[str, dict[str, Any]]:
    """{lang: {"label": …, "options": […]}}, a language other than the event's own."""
    if value in (None, "", {}):
        return {}
    if not isinstance(value, Mapping):
        raise Invalid(_("translations maps a language to its label and options."), field="translations")
    result: dict[str, dict[str, Any]] = {}
    for tag, texts in value.items():
        lang = v.language(tag, "translations")
        if lang == event.language or not texts:
            continue
        if not isinstance(texts, Mapping) or set(texts) - {"label", "options"}:
            raise Invalid(_("A translation has only a label and options."), field="translations")
        label = v.text(texts.get("label"), "translations", max_length=MAX_LABEL)
        options = [v.text(o, "translations", max_length=MAX_LABEL) for o in
                   (texts.get("options") or "").splitlines()] if isinstance(texts.get("options"), str) \
            else [v.text(o, "translations", max_length=MAX_LABEL) for o in texts.get("options") or []]
        if len(options) > n_options:
            raise Invalid(_("A translation has more options than the question."), field="translations")
        if label or any(options):
            result[lang] = {"label": label, "options": options}
    return result


def _show_if(value: object, event: Event, question: Question | None,
             form: QuestionForm) -> tuple[Question | None, str | None]:
    """{"question": id or label, "value": …} → (the question it depends on, the value)."""
    if value in (None, "", {}):
        return None, None
    if not isinstance(value, Mapping) or set(value) - {"question", "value"}:
        raise Invalid(_("show_if names a question and the value its answer must have."), field="show_if")
    ref = value.get("question")
    others = [q for q in questions_of(event, form) if question is None or q.id != question.id]
    match = [q for q in others if (isinstance(ref, int) and not isinstance(ref, bool) and q.id == ref)
             or (isinstance(ref, str) and q.label == ref.strip())]
    if not match:
        raise Invalid(_("show_if names no other question of this event."), field="show_if")
    parent = match[0]
    wanted = v.text(value.get("value"), "show_if", required=True, max_length=MAX_LABEL)
    allowed = _show_if_values(parent)
    if allowed is not None and wanted not in allowed:
        raise Invalid(_("%(value)s is not an answer to the question “%(question)s”.",
                        value=wanted, question=parent.label), field="show_if")
    if question is not None and _depends_on(parent, question):
        raise Invalid(_("Two questions cannot each depend on the other."), field="show_if")
    return parent, wanted


def _show_if_values(question: Question) -> list[str] | None:
    if question.kind.has_options:
        return list(question.options)
    if question.kind == QuestionKind.yes_no:
        return ["yes", "no"]
    return None  # text, country, date: any value


def _depends_on(question: Question, other: Question) -> bool:
    """Does `question` show only through `other` (directly or along a chain)?"""
    seen: set[int] = set()
    current: Question | None = question
    while current is not None and current.id not in seen:
        if current.id == other.id:
            return True
        seen.add(current.id)
        current = current.show_if_question
    return False


def _clean(values: Mapping[str, Any], event: Event, question: Question | None,
           form: QuestionForm = QuestionForm.registration) -> dict[str, Any]:
    unknown = set(values) - set(QUESTION_FIELDS) - {"id"}
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(_("%(field)s is not a field of a question.", field=name), field=name)

    def pick(name: str, default: object = None) -> object:
        return values[name] if name in values else getattr(question, name, default) if question else default

    kind = v.choice(pick("kind"), QuestionKind, "kind")
    options = _options(pick("options", [])) if kind.has_options else []
    if kind.has_options and len(options) < 2:
        raise Invalid(_("A choice question needs at least two options."), field="options")
    show_if = values["show_if"] if "show_if" in values else _show_if_out(question) if question else None
    parent, wanted = _show_if(show_if, event, question, question.form if question else form)
    return {"kind": kind, "label": v.text(pick("label"), "label", required=True, max_length=MAX_LABEL),
            "options": options, "translations": _translations(pick("translations", {}), event, len(options)),
            "required": bool(pick("required", False)), "show_if_question": parent, "show_if_value": wanted}


def _show_if_out(question: Question) -> dict[str, Any] | None:
    if question.show_if_question_id is None:
        return None
    return {"question": question.show_if_question_id, "value": question.show_if_value}


def question_changes(question: Question) -> dict[str, Any]:
    return {"label": question.label, "kind": question.kind.value, "options": list(question.options),
            "required": question.required, "show_if": _show_if_out(question)}


def add_question(event: Event, values: Mapping[str, Any], *, actor: User | None = None,
                 form: QuestionForm = QuestionForm.registration) -> Question:
    cleaned = _clean(values, event, None, form)
    last = db.session.scalar(select(func.max(Question.position)).where(Question.event_id == event.id,
                                                                       Question.form == form))
    question = Question(event_id=event.id, form=form, position=(last or 0) + 1, **cleaned)
    db.session.add(question)
    db.session.flush()
    record(actor, "question.added", event=event, subject=question,
           changes={k: [None, val] for k, val in question_changes(question).items()})
    return question


def update_question(question: Question, values: Mapping[str, Any], *, actor: User | None = None) -> Question:
    before = question_changes(question)
    for name, value in _clean(values, question.event, question).items():
        setattr(question, name, value)
    db.session.flush()
    after = question_changes(question)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        record(actor, "question.changed", event=question.event, subject=question, changes=changes)
    return question


def delete_question(question: Question, *, actor: User | None = None) -> None:
    """Delete a question, its answers, and the conditions of questions shown through it."""
    event = question.event
    for other in questions_of(event, question.form):
        if other.show_if_question_id == question.id:
            other.show_if_question, other.show_if_value = None, None
    record(actor, "question.deleted", event=event, subject=question,
           changes={k: [val, None] for k, val in question_changes(question).items()})
    # Explicit: SQLite enforces no ON DELETE CASCADE without the foreign_keys pragma.
    db.session.execute(delete(Answer).where(Answer.question_id == question.id)
                       .execution_options(synchronize_session=False))
    db.session.delete(question)
    db.session.flush()
    _renumber(questions_of(event, question.form))


def _renumber(questions: list[Question]) -> None:
    for position, q in enumerate(questions, start=1):
        q.position = position
    db.session.flush()


def move_question(question: Question, offset: int, *, actor: User | None = None) -> None:
    """Move a question up (-1) or down (+1) in the event's order."""
    questions = questions_of(question.event, question.form)
    index = questions.index(question)
    target = min(max(index + offset, 0), len(questions) - 1)
    if target == index:
        return
    questions.insert(target, questions.pop(index))
    _renumber(questions)
    record(actor, "question.moved", event=question.event, subject=question,
           changes={"position": [index + 1, target + 1]})


def replace_questions(event: Event, items: Iterable[Mapping[str, Any]], *, actor: User | None = None,
                      form: QuestionForm = QuestionForm.registration) -> None:
    """The API's `questions` (or `feedback_questions`) of an event: those with an id are changed,
    those without added (in the order given), those left out deleted."""
    items = list(items)
    keep = {item["id"] for item in items if item.get("id") is not None}
    for question in questions_of(event, form):
        if question.id not in keep:
            delete_question(question, actor=actor)
    ordered = []
    for item in items:
        values = {k: val for k, val in item.items() if k != "id"}
        if item.get("id") is not None:
            ordered.append(update_question(get_question(event, int(item["id"]), form), values, actor=actor))
        else:
            ordered.append(add_question(event, values, actor=actor, form=form))
    _renumber(ordered)


def question_out(question: Question, event: Event) -> dict[str, Any]:
    """The API's view: label and options in every language the question has."""
    langs = [event.language, *sorted(question.translations or {})]
    return {
        "id": question.id, "kind": question.kind.value, "required": question.required,
        "label": {lang: question.label_in(lang) for lang in langs},
        "options": [{"value": opt, "label": {lang: question.options_in(lang)[i] for lang in langs}}
                    for i, opt in enumerate(question.options or [])],
        "show_if": _show_if_out(question),
    }


# --- members: the answers -----------------------------------------------------------------------

def _field(question: Question) -> str:
    return f"answers.{question.id}"


def _is_empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _answer_value(question: Question, raw: object) -> Any:
    """One answer as stored, or Invalid naming the question."""
    field, kind = _field(question), question.kind
    if kind in (QuestionKind.text, QuestionKind.long_text):
        long = kind == QuestionKind.long_text
        return v.text(raw, field, max_length=MAX_LONG_TEXT if long else MAX_TEXT, multiline=long)
    if kind == QuestionKind.yes_no:
        if isinstance(raw, bool):
            return raw
        if str(raw).strip().lower() in YES_NO:
            return YES_NO[str(raw).strip().lower()]
    elif kind == QuestionKind.single_choice:
        if isinstance(raw, str) and raw.strip() in question.options:
            return raw.strip()
    elif kind == QuestionKind.multiple_choice:
        picked = [raw] if isinstance(raw, str) else raw if isinstance(raw, list | tuple) else None
        if picked is not None and all(isinstance(p, str) and p.strip() in question.options for p in picked):
            chosen = {p.strip() for p in picked}
            return [o for o in question.options if o in chosen]
    elif kind == QuestionKind.country:
        return v.country(raw, field)
    elif kind == QuestionKind.date:
        return v.parse_date(raw, field).isoformat()
    raise Invalid(_("This is not an answer to the question “%(question)s”.", question=question.label), field=field)


def _matches(value: Any, wanted: str | None) -> bool:
    if isinstance(value, bool):
        return ("yes" if value else "no") == wanted
    if isinstance(value, list):
        return wanted in value
    return bool(value == wanted)


def visible_ids(questions: list[Question], values: Mapping[int, Any]) -> set[int]:
    """The questions shown, given the answers: a condition on a hidden question is not met."""
    by_id = {q.id: q for q in questions}
    memo: dict[int, bool] = {}

    def shown(q: Question, depth: int = 0) -> bool:
        if q.id not in memo:
            parent = by_id.get(q.show_if_question_id or 0)
            memo[q.id] = parent is None or (depth < len(questions) and shown(parent, depth + 1)
                                            and q.show_if_question_id in values
                                            and _matches(values[parent.id], q.show_if_value))
        return memo[q.id]

    return {q.id for q in questions if shown(q)}


def _keyed(event: Event, raw: Mapping[Any, Any], questions: list[Question]) -> dict[int, Any]:
    """The given answers by question id; an id that is not a question of the event is refused."""
    ids = {q.id for q in questions}
    keyed: dict[int, Any] = {}
    for key, value in raw.items():
        qid = int(key) if str(key).isdigit() else None
        if qid is None or qid not in ids:
            raise Invalid(_("There is no question %(id)s in this event.", id=key), field=f"answers.{key}")
        keyed[qid] = value
    return keyed


def check_answers(event: Event, raw: Mapping[Any, Any], *, strict: bool = True,
                  form: QuestionForm = QuestionForm.registration) -> dict[int, Any]:
    """The answers to keep, each checked against its kind; a missing required answer and (if
    strict) an answer to a hidden question are refused, every problem named by its field."""
    questions = questions_of(event, form)
    keyed = _keyed(event, raw, questions)
    values: dict[int, Any] = {}
    problems: dict[str, str] = {}
    for q in questions:
        if q.id in keyed and not _is_empty(keyed[q.id]):
            try:
                values[q.id] = _answer_value(q, keyed[q.id])
            except Invalid as exc:
                problems[_field(q)] = exc.message
    shown = visible_ids(questions, values)
    if not strict:  # a bad value in a field the page hid is no one's mistake
        problems = {f: m for f, m in problems.items() if int(f.split(".")[1]) in shown}
    for q in questions:
        if q.id not in shown and q.id in values:
            del values[q.id]
            if strict:
                problems[_field(q)] = _("The question “%(question)s” is not asked with these answers.",
                                        question=q.label)
        elif q.id in shown and q.required and _is_empty(values.get(q.id)) and _field(q) not in problems:
            problems[_field(q)] = _("Please answer the question “%(question)s”.", question=q.label)
    if problems:
        first = next(iter(problems.values()))
        raise Invalid(first, fields=problems)
    return values


def _of_form(form: QuestionForm) -> Any:
    return Answer.question_id.in_(select(Question.id).where(Question.form == form))


def answers_of(registration: Registration, form: QuestionForm = QuestionForm.registration) -> dict[int, Any]:
    """The registration's answers to the questions of `form`."""
    return {a.question_id: a.value for a in db.session.scalars(
        select(Answer).where(Answer.registration_id == registration.id, _of_form(form)))}


def save_answers(registration: Registration, values: Mapping[int, Any],
                 form: QuestionForm = QuestionForm.registration) -> None:
    """Store the checked answers, replacing the registration's earlier ones to that form."""
    db.session.execute(delete(Answer).where(Answer.registration_id == registration.id, _of_form(form))
                       .execution_options(synchronize_session="fetch"))
    for qid, value in values.items():
        db.session.add(Answer(registration_id=registration.id, question_id=qid, value=value))
    db.session.flush()


def answer_text(question: Question, value: Any, lang: str | None) -> str:
    """An answer as a reader sees it: options in `lang`, yes/no as words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    shown = dict(zip(question.options or [], question.options_in(lang), strict=False))
    if isinstance(value, list):
        return ", ".join(str(shown.get(item, item)) for item in value)
    return str(shown.get(value, value))


def forget_member_answers(member_id: int) -> None:
    """A deleted member's answers go with their record (their registrations stay, anonymised,
    for the counts); answers can hold anything the member typed."""
    regs = select(Registration.id).where(Registration.member_id == member_id)
    db.session.execute(delete(Answer).where(Answer.registration_id.in_(regs))
                       .execution_options(synchronize_session=False))


# --- organizers: the answers --------------------------------------------------------------------

def answers_by_registration(event: Event) -> dict[int, dict[int, Any]]:
    result: dict[int, dict[int, Any]] = {}
    for reg_id, qid, value in db.session.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value)
        .join(Registration, Answer.registration_id == Registration.id).where(Registration.event_id == event.id)
    ):
        result.setdefault(reg_id, {})[qid] = value
    return result


def csv_header(questions: list[Question]) -> list[str]:
    return [q.label for q in questions]


def csv_cells(questions: list[Question], answers: Mapping[int, Any]) -> list[str]:
    """One cell per question: the stored values (options in the event's language, yes/no as
    yes/no), so that a spreadsheet can count them."""
    cells = []
    for q in questions:
        value = answers.get(q.id)
        if isinstance(value, bool):
            cells.append("yes" if value else "no")
        elif isinstance(value, list):
            cells.append("; ".join(value))
        else:
            cells.append("" if value is None else str(value))
    return cells


def answer_counts(event: Event) -> list[dict[str, Any]]:
    """For each choice, yes/no and country question: {id, label, counts: {option: n}} over the
    registrations still counted (not no, not withdrawn); options nobody picked count 0."""
    questions = [q for q in questions_of(event) if q.kind.is_counted]
    answers = answers_by_registration(event)
    active = set(db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.status.in_(COUNTED))))
    return [{"id": q.id, "label": q.label, "kind": q.kind.value,
             "counts": option_counts(q, [values.get(q.id) for reg_id, values in answers.items() if reg_id in active])}
            for q in questions]


def option_counts(question: Question, answers: Iterable[Any]) -> dict[str, int]:
    """How many of `answers` (to a choice, yes/no or country question; None for none) give each
    option, in the question's order, options nobody picked as 0; a multiple choice counts each of
    its picks."""
    counts: dict[str, int] = dict.fromkeys(_show_if_values(question) or [], 0)
    for value in answers:
        if value is None:
            continue
        for item in _items(value):
            counts[item] = counts.get(item, 0) + 1
    return counts


def _items(value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


# --- retention ----------------------------------------------------------------------------------

def clean_retention(value: object) -> int:
    """Whole days after the event's end, 0 … 3650; empty means the default (90)."""
    if value is None or value == "":
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        days = -1
    if not 0 <= days <= MAX_RETENTION_DAYS:
        raise Invalid(_("Keep answers for a whole number of days between 0 and %(n)d.", n=MAX_RETENTION_DAYS),
                      field="answers_retention_days")
    return days


def clean_feedback_after_hours(value: object) -> int | None:
    """Hours after the end for the automatic request, 0 … 168; empty means none (manual only)."""
    if value is None or value == "":
        return None
    try:
        hours = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        hours = -1
    if not 0 <= hours <= MAX_FEEDBACK_AFTER_HOURS:
        raise Invalid(_("Send the request a whole number of hours between 0 and %(n)d after the end.",
                        n=MAX_FEEDBACK_AFTER_HOURS), field="feedback_after_hours")
    return hours


def expired_events(now: datetime) -> list[Event]:
    """Events with answers still stored whose retention has run out."""
    events = db.session.scalars(select(Event).where(Event.id.in_(
        select(Question.event_id).join(Answer, Answer.question_id == Question.id))))
    return [e for e in events if ends_utc(e) + timedelta(days=e.answers_retention_days) <= now]


def purge_expired_answers(now: datetime | None = None) -> str:
    """The periodic task: delete the answers of events past their retention, one audit entry
    per event (how many answers, after how many days). Idempotent: nothing is left to delete."""
    now = now or utcnow()
    deleted = 0
    for event in expired_events(now):
        question_ids = select(Question.id).where(Question.event_id == event.id)
        doomed = list(db.session.scalars(select(Answer.id).where(Answer.question_id.in_(question_ids))))
        db.session.execute(delete(Answer).where(Answer.id.in_(doomed)).execution_options(synchronize_session=False))
        n = len(doomed)
        record(None, "answers.deleted", event=event,
               changes={"answers": [n, 0], "retention_days": [None, plain(event.answers_retention_days)]})
        deleted += n
    db.session.flush()
    return f"deleted {deleted} answers"
