"""Registration questions an event asks those who answer yes or maybe, and their answers
(issue 22). A question's label and options are in the event's language; other languages are in
`translations`, like the event's title. An answer to a choice question is the option's text in
the event's language (stable whatever language the member reads)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from alumni.extensions import Model
from alumni.i18n import _l
from alumni.models.events import Event, Registration
from alumni.models.types import UTCDateTime, str_enum, utcnow


class QuestionKind(enum.StrEnum):
    text = "text"
    long_text = "long_text"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    yes_no = "yes_no"
    country = "country"
    date = "date"

    @property
    def label(self) -> str:
        return QUESTION_KIND_LABELS[self]

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.single_choice, QuestionKind.multiple_choice)

    @property
    def is_counted(self) -> bool:
        """Summarised as counts per option (choice, yes/no, country)."""
        return self in (QuestionKind.single_choice, QuestionKind.multiple_choice, QuestionKind.yes_no,
                        QuestionKind.country)


class QuestionForm(enum.StrEnum):
    """Which form a question belongs to: the registration (asked of a yes or maybe) or the
    feedback after the event (asked of those checked in)."""

    registration = "registration"
    feedback = "feedback"


QUESTION_KIND_LABELS: dict[QuestionKind, str] = {
    QuestionKind.text: _l("Short text"), QuestionKind.long_text: _l("Long text"),
    QuestionKind.single_choice: _l("Single choice"), QuestionKind.multiple_choice: _l("Multiple choice"),
    QuestionKind.yes_no: _l("Yes or no"), QuestionKind.country: _l("Country"), QuestionKind.date: _l("Date"),
}


class Question(Model):
    __tablename__ = "event_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    form: Mapped[QuestionForm] = mapped_column(str_enum(QuestionForm, "question_form"),
                                               default=QuestionForm.registration, server_default="registration")
    #: Order on the page: 1, 2, 3 … per event and form.
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "question_kind"))
    #: In the event's language.
    label: Mapped[str] = mapped_column(String(500))
    #: Choice questions: the options in the event's language, in order.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: {"ja": {"label": "…", "options": ["…", …]}, …} (options in the same order).
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: Shown only if that question's answer is `show_if_value` (for multiple choice: among the
    #: answers; for yes/no: "yes" or "no").
    show_if_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_questions.id", ondelete="SET NULL"))
    show_if_value: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(backref=backref(
        "questions", order_by="Question.position", cascade="all, delete-orphan", passive_deletes=True))
    show_if_question: Mapped[Question | None] = relationship(remote_side=[id])

    def label_in(self, lang: str | None) -> str:
        return str(((self.translations or {}).get(lang or "") or {}).get("label") or self.label)

    def options_in(self, lang: str | None) -> list[str]:
        """The options as shown in `lang` (the event's own where not translated), in order."""
        other = ((self.translations or {}).get(lang or "") or {}).get("options") or []
        return [other[i] if i < len(other) and other[i] else opt for i, opt in enumerate(self.options or [])]

    def option_pairs(self, lang: str | None) -> list[tuple[str, str]]:
        """(value, text in `lang`) for each option: what a form offers."""
        return list(zip(self.options or [], self.options_in(lang), strict=True))

    def __repr__(self) -> str:
        return f"<Question {self.id} event={self.event_id} {self.form} {self.kind} {self.label!r}>"


class Answer(Model):
    """One registration's answer to one question (of either form); deleted by the event's
    retention rule."""

    __tablename__ = "registration_answers"
    __table_args__ = (UniqueConstraint("registration_id", "question_id", name="one_answer_per_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("event_questions.id", ondelete="CASCADE"), index=True)
    #: str (text, long text, single choice, country "JP", date "2026-01-17"), bool (yes/no), list[str] (multiple).
    value: Mapped[Any] = mapped_column(JSON)

    registration: Mapped[Registration] = relationship(backref=backref(
        "answers", cascade="all, delete-orphan", passive_deletes=True))
    question: Mapped[Question] = relationship(backref=backref("answers", cascade="all, delete-orphan",
                                                              passive_deletes=True))
