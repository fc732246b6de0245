"""Registration questions (issue 22): each kind, show_if, translations, the refusals naming the
question, CSV columns, summary counts, and the retention job with its audit entries."""
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.models import Answer, AuditEntry
from alumni.services import questions as qsvc
from alumni.services import registrations as rsvc
from alumni.services.schedule import TASKS
from tests.factories import make_event, make_member


def ask(event, **values):
    question = qsvc.add_question(event, values)
    db.session.commit()
    return question


@pytest.fixture
def forum():
    event = make_event()
    diet = ask(event, kind="single_choice", label="Meal", options="Vegetarian\nHalal\nAny", required=True,
               translations={"ja": {"label": "食事", "options": ["ベジタリアン", "ハラール", ""]}})
    visa = ask(event, kind="yes_no", label="Do you need a visa letter?")
    passport = ask(event, kind="text", label="Passport number", required=True,
                   show_if={"question": "Do you need a visa letter?", "value": "yes"})
    return event, diet, visa, passport


def test_each_kind_takes_its_own_answers_and_refuses_others():
    event = make_event()
    kinds = {
        "text": ("Your title", "Professor", "line\nbreak"),
        "long_text": ("Anything else?", "Two\nlines", None),
        "single_choice": ("Room", "Single", "Suite"),
        "multiple_choice": ("Sessions", ["A", "B"], ["A", "Z"]),
        "yes_no": ("Parking?", True, "perhaps"),
        "country": ("Travelling from", "JP", "XX"),
        "date": ("Arrival", "2027-01-22", "22/01/2027"),
    }
    made = {kind: ask(event, kind=kind, label=label, options=["Single", "Double"] if kind == "single_choice"
                      else ["A", "B", "C"] if kind == "multiple_choice" else [])
            for kind, (label, _ok, _bad) in kinds.items()}
    good = {str(made[k].id): ok for k, (_l, ok, _b) in kinds.items()}
    assert qsvc.check_answers(event, good) == {made[k].id: ok for k, (_l, ok, _b) in kinds.items()}
    for kind, (_label, _ok, bad) in kinds.items():
        if bad is None:
            continue
        with pytest.raises(Invalid) as refused:
            qsvc.check_answers(event, {**good, str(made[kind].id): bad})
        assert list(refused.value.fields) == [f"answers.{made[kind].id}"], kind
    assert qsvc.check_answers(event, {str(made["yes_no"].id): "no"})[made["yes_no"].id] is False


def test_a_missing_required_answer_is_refused_naming_the_question(forum):
    event, diet, _visa, _passport = forum
    with pytest.raises(Invalid) as refused:
        rsvc.respond(event, make_member(), "yes", answers={})
    assert refused.value.fields == {f"answers.{diet.id}": "Please answer the question “Meal”."}
    with pytest.raises(Invalid):
        rsvc.respond(event, make_member(), "maybe")  # no answers at all: the required one is missing
    outcome = rsvc.respond(event, make_member(), "no")  # a no is asked nothing
    assert outcome.registration.status.value == "no"


def test_show_if_asks_the_dependent_question_only_when_its_condition_holds(forum):
    event, diet, visa, passport = forum
    base = {str(diet.id): "Halal"}
    assert qsvc.check_answers(event, {**base, str(visa.id): False}) == {diet.id: "Halal", visa.id: False}
    with pytest.raises(Invalid) as refused:  # shown and required, not given
        qsvc.check_answers(event, {**base, str(visa.id): True})
    assert f"answers.{passport.id}" in refused.value.fields
    with pytest.raises(Invalid) as refused:  # hidden, but answered: strict (API) refuses
        qsvc.check_answers(event, {**base, str(visa.id): False, str(passport.id): "X123"})
    assert list(refused.value.fields) == [f"answers.{passport.id}"]
    # A page without JavaScript sends the hidden field: the server drops it.
    assert qsvc.check_answers(event, {**base, str(passport.id): "X123"}, strict=False) == {diet.id: "Halal"}
    checked = qsvc.check_answers(event, {**base, str(visa.id): "yes", str(passport.id): "X123"})
    assert checked[passport.id] == "X123"


def test_an_unknown_question_id_is_refused(forum):
    event = forum[0]
    with pytest.raises(Invalid) as refused:
        qsvc.check_answers(event, {"999999": "x"})
    assert list(refused.value.fields) == ["answers.999999"]


def test_labels_and_options_are_translated_and_fall_back_to_the_events_language(forum):
    _event, diet, _visa, _passport = forum
    assert diet.label_in("ja") == "食事" and diet.label_in("hi") == "Meal"
    assert diet.options_in("ja") == ["ベジタリアン", "ハラール", "Any"]
    assert qsvc.answer_text(diet, "Halal", "ja") == "ハラール"
    out = qsvc.question_out(diet, diet.event)
    assert out["label"] == {"en": "Meal", "ja": "食事"}
    assert out["options"][0] == {"value": "Vegetarian", "label": {"en": "Vegetarian", "ja": "ベジタリアン"}}


def test_show_if_must_name_another_question_and_one_of_its_answers(forum):
    event, diet, visa, _passport = forum
    with pytest.raises(Invalid) as refused:
        qsvc.add_question(event, {"kind": "text", "label": "x", "show_if": {"question": "Nope", "value": "yes"}})
    assert "show_if" in refused.value.fields
    with pytest.raises(Invalid):
        qsvc.add_question(event, {"kind": "text", "label": "x", "show_if": {"question": diet.id, "value": "Pizza"}})
    with pytest.raises(Invalid):  # visa would depend on passport, which depends on visa
        qsvc.update_question(visa, {"show_if": {"question": "Passport number", "value": "x"}})
    with pytest.raises(Invalid) as refused:
        qsvc.add_question(event, {"kind": "single_choice", "label": "x", "options": "only one"})
    assert "options" in refused.value.fields


def test_answers_are_stored_changed_and_kept_on_a_patch_without_answers(forum):
    event, diet, visa, passport = forum
    member = make_member()
    reg = rsvc.respond(event, member, "yes", answers={str(diet.id): "Vegetarian", str(visa.id): "yes",
                                                       str(passport.id): "X1"}).registration
    db.session.commit()
    assert qsvc.answers_of(reg) == {diet.id: "Vegetarian", visa.id: True, passport.id: "X1"}
    rsvc.change_registration(reg, {"response": "maybe"})
    assert qsvc.answers_of(reg)[diet.id] == "Vegetarian"
    rsvc.change_registration(reg, {"answers": {str(diet.id): "Any", str(visa.id): False}})
    assert qsvc.answers_of(reg) == {diet.id: "Any", visa.id: False}


def test_deleting_a_question_drops_its_answers_and_the_conditions_on_it(forum):
    event, diet, visa, passport = forum
    reg = rsvc.respond(event, make_member(), "yes", answers={str(diet.id): "Any", str(visa.id): True,
                                                              str(passport.id): "P"}).registration
    qsvc.delete_question(visa)
    db.session.commit()
    db.session.refresh(passport)
    assert passport.show_if_question_id is None and passport.position == 2
    assert visa.id not in qsvc.answers_of(reg)


def test_questions_are_reordered():
    event = make_event()
    a, _b, c = (ask(event, kind="text", label=x) for x in "abc")
    qsvc.move_question(c, -1)
    assert [q.label for q in qsvc.questions_of(event)] == ["a", "c", "b"]
    qsvc.move_question(a, -1)  # already first: nothing moves
    assert [q.label for q in qsvc.questions_of(event)] == ["a", "c", "b"]


def _answer_all(event, diet, visa, passport):
    people = [("Vegetarian", False), ("Halal", True), ("Halal", False)]
    for meal, needs in people:
        answers = {str(diet.id): meal, str(visa.id): needs}
        if needs:
            answers[str(passport.id)] = "P-9"
        rsvc.respond(event, make_member(), "yes", answers=answers)
    db.session.commit()


def test_csv_has_one_column_per_question_and_the_summary_counts_per_option(forum):
    event, diet, visa, passport = forum
    _answer_all(event, diet, visa, passport)
    rows = list(csv.reader(io.StringIO(rsvc.export_csv(event).decode("utf-8-sig"))))
    header = rows[0]
    assert header[-3:] == ["Meal", "Do you need a visa letter?", "Passport number"]
    assert [r[-3:] for r in rows[1:]] == [["Vegetarian", "no", ""], ["Halal", "yes", "P-9"], ["Halal", "no", ""]]
    counts = {q["label"]: q["counts"] for q in rsvc.summarise(event)["questions"]}
    assert counts == {"Meal": {"Vegetarian": 1, "Halal": 2, "Any": 0},
                      "Do you need a visa letter?": {"yes": 1, "no": 2}}


def test_the_retention_job_deletes_answers_after_the_events_end_and_logs_it(forum):
    event, diet, visa, passport = forum
    _answer_all(event, diet, visa, passport)
    assert any(task.run is qsvc.purge_expired_answers for task in TASKS)
    ends = qsvc.ends_utc(event)
    assert qsvc.purge_expired_answers(ends + timedelta(days=89)) == "deleted 0 answers"
    assert db.session.scalar(select(func.count(Answer.id))) == 7
    assert qsvc.purge_expired_answers(ends + timedelta(days=90)) == "deleted 7 answers"
    db.session.commit()
    assert db.session.scalar(select(func.count(Answer.id))) == 0
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "answers.deleted")).one()
    assert entry.event_id == event.id and entry.changes["answers"] == [7, 0]
    assert qsvc.purge_expired_answers(ends + timedelta(days=91)) == "deleted 0 answers"  # idempotent
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "answers.deleted")) == 1


def test_the_retention_is_set_per_event(forum):
    event = forum[0]
    from alumni.services import events as esvc

    esvc.update_event(event, {"answers_retention_days": 0})
    assert event.answers_retention_days == 0
    with pytest.raises(Invalid) as refused:
        esvc.update_event(event, {"answers_retention_days": -1})
    assert "answers_retention_days" in refused.value.fields
    assert make_event().answers_retention_days == 90
    assert datetime.now(UTC)  # (the job compares aware UTC moments)


def test_a_deleted_members_answers_go_with_their_record(forum):
    from alumni.services import members as msvc

    event, diet, _visa, _passport = forum
    member = make_member()
    reg = rsvc.respond(event, member, "yes", answers={str(diet.id): "Halal"}).registration
    other = rsvc.respond(event, make_member(), "yes", answers={str(diet.id): "Any"}).registration
    db.session.commit()
    msvc.delete_member(member)
    db.session.commit()
    assert qsvc.answers_of(reg) == {} and qsvc.answers_of(other) == {diet.id: "Any"}


def test_a_bad_value_in_a_hidden_field_is_dropped_from_a_page_and_refused_by_the_api(forum):
    event, diet, visa, passport = forum
    date_q = ask(event, kind="date", label="Arrival", show_if={"question": visa.id, "value": "yes"})
    sent = {str(diet.id): "Any", str(visa.id): "no", str(date_q.id): "tomorrow"}
    assert qsvc.check_answers(event, sent, strict=False) == {diet.id: "Any", visa.id: False}
    with pytest.raises(Invalid) as refused:
        qsvc.check_answers(event, sent)
    assert list(refused.value.fields) == [f"answers.{date_q.id}"]
    assert passport.id not in qsvc.check_answers(event, sent, strict=False)
