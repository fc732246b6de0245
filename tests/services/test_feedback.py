"""Feedback after an event (issue 22 item 5): the request mail goes to those checked in, once, with
the form's and the certificate's links; answering (show_if, required, changes until the form
closes, nobody else); results with small cells suppressed (service, CSV); the scheduler's
automatic request; retention like registration answers; registration questions unaffected."""
from __future__ import annotations

import csv
import io
import secrets
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from alumni.errors import Conflict, Forbidden, Invalid
from alumni.extensions import db
from alumni.models import (
    Answer,
    AuditEntry,
    MailPurpose,
    OutgoingMail,
    QuestionForm,
    Registration,
    RegistrationStatus,
    Response,
)
from alumni.models.types import utcnow
from alumni.services import feedback as fsvc
from alumni.services import questions as qsvc
from alumni.services import registrations as rsvc
from alumni.services.eventbase import ends_utc
from alumni.services.schedule import TASKS
from tests.factories import make_event, make_member


def past_event(**values):
    """An event that ended two hours ago (New Delhi time)."""
    start = datetime.now().replace(microsecond=0, second=0) - timedelta(hours=8)  # local ≥ UTC+5:30: ended
    return make_event(starts_at=start - timedelta(hours=1), ends_at=start, **values)


def attendee(event, checked_in=True, **member_values):
    """A member with a seat (registered as the pages would, before the event), checked in."""
    member = make_member(**member_values)
    reg = Registration(event_id=event.id, member_id=member.id, response=Response.yes, status=RegistrationStatus.yes,
                       ticket_token=secrets.token_urlsafe(24), checked_in_at=utcnow() if checked_in else None)
    db.session.add(reg)
    db.session.commit()
    return reg


def feedback_mail():
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.purpose == MailPurpose.feedback)
                                   .order_by(OutgoingMail.id)))


@pytest.fixture
def event():
    event = past_event()
    fsvc.add_default_questions(event)
    db.session.commit()
    return event


def test_feedback_questions_are_their_own_form_beside_the_registration_questions():
    event = make_event()
    asked = qsvc.add_question(event, {"kind": "yes_no", "label": "Parking?"})
    fsvc.add_default_questions(event)
    db.session.commit()
    assert qsvc.questions_of(event) == [asked]
    feedback = fsvc.feedback_questions(event)
    assert [q.kind.value for q in feedback] == ["single_choice", "long_text", "long_text"]
    assert [q.position for q in feedback] == [1, 2, 3] and feedback[0].options == ["1", "2", "3", "4", "5"]
    assert all(q.form == QuestionForm.feedback for q in feedback)
    # a registration answer names no feedback question, and the other way round
    with pytest.raises(Invalid):
        qsvc.check_answers(event, {str(feedback[0].id): "5"})
    with pytest.raises(Invalid):
        qsvc.check_answers(event, {str(asked.id): True}, form=QuestionForm.feedback)
    # show_if points only within the form
    with pytest.raises(Invalid):
        qsvc.add_question(event, {"kind": "text", "label": "Why?", "show_if": {"question": "Parking?", "value": "yes"}},
                          form=QuestionForm.feedback)


def test_default_labels_come_from_the_catalogue_in_the_events_language():
    event = make_event(language="ja", title="同窓会")
    fsvc.add_default_questions(event)
    rating = fsvc.feedback_questions(event)[0]
    # ja untranslated yet: the English label; every translation is a catalogue entry, never a copy of English
    assert rating.label in ("Overall, how was the event? (1 = poor, 5 = excellent)",
                            rating.translations.get("ja", {}).get("label", rating.label))
    assert all(t["label"] != "Overall, how was the event? (1 = poor, 5 = excellent)" or lang == "en"
               for lang, t in rating.translations.items())


def test_the_request_goes_to_those_checked_in_once_with_both_links(app, event):
    here = attendee(event, given_name="Aiko", family_name="Sato", preferred_language="ja")
    attendee(event, checked_in=False)
    other = attendee(event)
    queued, skipped = fsvc.send_requests(event)
    db.session.commit()
    assert (queued, skipped) == (2, 0)
    assert fsvc.send_requests(event) == (0, 2)  # again: nobody twice
    db.session.commit()
    mails = feedback_mail()
    assert sorted(m.member_id for m in mails) == sorted([here.member_id, other.member_id])
    mine = next(m for m in mails if m.member_id == here.member_id)
    assert mine.language == "ja" and mine.ics is None and mine.event_id == event.id
    base = app.config["BASE_URL"]
    for body in (mine.text_body, mine.html_body):
        assert f"{base}/events/{event.id}/feedback" in body
        assert f"{base}/registrations/{here.id}/certificate.pdf" in body
    assert event.feedback_requested_at is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "feedback.requested")) == 2


def test_no_request_before_the_end_after_closing_or_without_questions():
    upcoming = make_event()
    fsvc.add_default_questions(upcoming)
    attendee(upcoming)
    with pytest.raises(Conflict):
        fsvc.send_requests(upcoming)
    bare = past_event()
    attendee(bare)
    with pytest.raises(Conflict):
        fsvc.send_requests(bare)
    with pytest.raises(Conflict):
        fsvc.send_requests(upcoming, now=ends_utc(upcoming) + timedelta(days=fsvc.FEEDBACK_DAYS, seconds=1))
    assert feedback_mail() == []


def test_the_scheduler_sends_after_the_delay_once(event):
    attendee(event)
    [task] = [t for t in TASKS if t.name == "feedback send"]
    end = ends_utc(event)
    assert fsvc.send_due_requests(end + timedelta(hours=5)) == "queued 0 feedback requests"  # not enabled
    event.feedback_after_hours = 24
    db.session.commit()
    assert fsvc.send_due_requests(end + timedelta(hours=23)) == "queued 0 feedback requests"
    assert fsvc.send_due_requests(end + timedelta(hours=24, minutes=1)) == "queued 1 feedback requests"
    db.session.commit()
    assert fsvc.send_due_requests(end + timedelta(hours=25)) == "queued 0 feedback requests"
    assert task.run is fsvc.send_due_requests and len(feedback_mail()) == 1


def test_answering_with_show_if_required_and_changes_until_closing(event):
    rating, liked, _change = fsvc.feedback_questions(event)
    why = qsvc.add_question(event, {"kind": "text", "label": "What went wrong?",
                                    "show_if": {"question": rating.label, "value": "1"}}, form=QuestionForm.feedback)
    reg = attendee(event)
    with pytest.raises(Invalid) as missing:
        fsvc.submit(reg, {str(liked.id): "Talks"})
    assert f"answers.{rating.id}" in missing.value.fields
    with pytest.raises(Invalid) as hidden:
        fsvc.submit(reg, {str(rating.id): "5", str(why.id): "Nothing"})
    assert f"answers.{why.id}" in hidden.value.fields
    assert fsvc.submit(reg, {str(rating.id): "1", str(why.id): "Too hot"}) == {rating.id: "1", why.id: "Too hot"}
    first = reg.feedback_submitted_at
    assert fsvc.submit(reg, {str(rating.id): "4"}) == {rating.id: "4"}  # changed: the old answers replaced
    db.session.commit()
    assert qsvc.answers_of(reg, QuestionForm.feedback) == {rating.id: "4"}
    assert reg.feedback_submitted_at >= first
    closed = ends_utc(event) + timedelta(days=fsvc.FEEDBACK_DAYS)
    with pytest.raises(Conflict):
        fsvc.submit(reg, {str(rating.id): "5"}, now=closed)
    # the audit log says that feedback was given, never what
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("feedback.%"))))
    assert {e.action for e in entries} == {"feedback.submitted", "feedback.changed"}
    assert "Too hot" not in repr([e.changes for e in entries])


def test_only_those_checked_in_answer(event):
    waiting = attendee(event, checked_in=False)
    with pytest.raises(Forbidden):
        fsvc.answering_registration(event, waiting.member)
    with pytest.raises(Forbidden):
        fsvc.answering_registration(event, make_member())
    with pytest.raises(Forbidden):
        fsvc.submit(waiting, {})


def test_registration_and_feedback_answers_do_not_replace_each_other():
    event = past_event()
    parking = qsvc.add_question(event, {"kind": "yes_no", "label": "Parking?"})
    fsvc.add_default_questions(event)
    reg = attendee(event)
    qsvc.save_answers(reg, {parking.id: True})
    rating = fsvc.feedback_questions(event)[0]
    fsvc.submit(reg, {str(rating.id): "3"})
    qsvc.save_answers(reg, {parking.id: False})
    db.session.commit()
    assert qsvc.answers_of(reg) == {parking.id: False}
    assert qsvc.answers_of(reg, QuestionForm.feedback) == {rating.id: "3"}
    assert rsvc.summarise(event)["questions"][0]["id"] == parking.id  # the summary counts registration ones


def answer_many(event, ratings, texts=()):
    rating, liked, _change = fsvc.feedback_questions(event)
    for i, value in enumerate(ratings):
        reg = attendee(event)
        given = {str(rating.id): value}
        if i < len(texts):
            given[str(liked.id)] = texts[i]
        fsvc.submit(reg, given)
    db.session.commit()
    return rating, liked


def test_results_suppress_small_cells_and_hide_texts_of_few(event):
    rating, liked = answer_many(event, ["5"] * 6 + ["1"], texts=["Zebra talk", "Aiko's name", "Food"])
    attendee(event)  # checked in, no answer
    result = fsvc.results(event)
    assert (result["checked_in"], result["responses"], result["response_rate"]) == (8, 7, 0.875)
    counts = result["questions"][0]["counts"]
    # 7 answered and 6 said 5: showing "6" would tell that exactly one said 1, so it is hidden too.
    assert counts == {"1": "<5", "2": 0, "3": 0, "4": 0, "5": "≥5"}
    assert result["questions"][1]["texts"] is None and result["questions"][1]["answered"] == 3
    answer_many(event, ["4", "4"], texts=["Music", "Beer"])  # now 5 answered the open question
    texts = fsvc.results(event)["questions"][1]["texts"]
    assert texts == sorted(["Zebra talk", "Aiko's name", "Food", "Music", "Beer"])
    rows = list(csv.reader(io.StringIO(fsvc.results_csv(event).decode("utf-8-sig"))))
    assert rows[0] == ["question", "answer", "count"]
    # 9 answered: 1, 2 and 6 — the two small cells together are 3, which does not pin either.
    assert [rating.label, "1", "<5"] in rows and [rating.label, "5", "6"] in rows
    assert [rating.label, "4", "<5"] in rows
    assert [liked.label, "Beer", ""] in rows


def test_csv_says_when_open_answers_are_withheld(event):
    _rating, liked = answer_many(event, ["3"], texts=["Only me"])
    rows = list(csv.reader(io.StringIO(fsvc.results_csv(event).decode("utf-8-sig"))))
    assert not any("Only me" in cell for row in rows for cell in row)
    assert any(row[0] == liked.label and row[2] == "1" for row in rows)


def test_feedback_answers_follow_the_retention_rule(event):
    answer_many(event, ["5", "4"], texts=["Good"])
    event.answers_retention_days = 10
    db.session.commit()
    assert qsvc.purge_expired_answers(ends_utc(event) + timedelta(days=9)) == "deleted 0 answers"
    assert qsvc.purge_expired_answers(ends_utc(event) + timedelta(days=10)) == "deleted 3 answers"
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    assert fsvc.results(event)["questions"][0]["answered"] == 0


@pytest.mark.postgresql_only
def test_two_schedulers_at_once_send_each_request_once(app, is_postgresql):
    """PostgreSQL: two schedulers run `feedback send` at the same moment; the event's row lock
    makes the second see the first one's request time, so each member gets one mail and the
    audit log one request."""
    if not is_postgresql:
        pytest.skip("needs PostgreSQL row locks (SELECT … FOR UPDATE); SQLite serialises writers itself")
    event = past_event(feedback_after_hours=0)
    fsvc.add_default_questions(event)
    db.session.commit()
    for _ in range(4):
        attendee(event)
    event_id, now = event.id, utcnow()
    db.session.remove()
    barrier = threading.Barrier(2)
    errors: list[Exception] = []
    summaries: list[str] = []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                summaries.append(fsvc.send_due_requests(now))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(summaries) == ["queued 0 feedback requests", "queued 4 feedback requests"]
    assert len(feedback_mail()) == 4
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "feedback.requested", AuditEntry.event_id == event_id)) == 1


def test_counts_of_fewer_than_five_answers_are_not_shown(event):
    answer_many(event, ["5", "5", "4"])
    result = fsvc.results(event)["questions"][0]
    assert result["answered"] == 3 and "counts" not in result and result["texts"] is None
