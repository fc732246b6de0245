"""Registration questions on pages (issue 22): members answer on the event page (the server
decides what is shown, also without JavaScript), organizers manage the questions on a page of
their own and see the answers and counts on the registrations page and in the CSV."""
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Question, Registration
from alumni.services import questions as qsvc
from alumni.services import registrations as rsvc
from tests.factories import PASSWORD, login, make_event, make_member, make_user


def forum():
    event = make_event()
    meal = qsvc.add_question(event, {"kind": "single_choice", "label": "Meal", "options": "Vegetarian\nAny",
                                     "required": True, "translations": {"ja": {"label": "食事",
                                                                               "options": ["ベジタリアン", ""]}}})
    visa = qsvc.add_question(event, {"kind": "yes_no", "label": "Visa letter?"})
    passport = qsvc.add_question(event, {"kind": "text", "label": "Passport", "required": True,
                                         "show_if": {"question": "Visa letter?", "value": "yes"}})
    db.session.commit()
    return event, meal, visa, passport


def test_member_answers_on_the_event_page_and_hidden_answers_are_dropped(client):
    event, meal, visa, passport = forum()
    member = make_member()
    login(client, make_user("member", member=member, password=PASSWORD))
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Meal" in page and f'name="q-{meal.id}"' in page and 'data-show-if="q-' in page
    assert "questions.js" in page
    # Without JavaScript the hidden question's field is sent too: the server ignores it.
    client.post(f"/events/{event.id}/rsvp", data={
        "response": "yes", f"q-{meal.id}": "Any", f"q-{visa.id}": "no", f"q-{passport.id}": "X1"})
    reg = db.session.scalars(select(Registration)).one()
    assert reg.status.value == "yes"
    assert qsvc.answers_of(reg) == {meal.id: "Any", visa.id: False}


def test_a_missing_required_answer_is_said_on_the_page_and_nothing_is_saved(client):
    event, *_ = forum()
    login(client, make_user("member", member=make_member(), password=PASSWORD))
    r = client.post(f"/events/{event.id}/rsvp", data={"response": "yes"}, follow_redirects=True)
    assert "Please answer the question “Meal”." in r.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None


def test_the_event_page_shows_questions_in_the_members_language(client):
    event, *_ = forum()
    login(client, make_user("member", member=make_member(preferred_language="ja"), password=PASSWORD))
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "食事" in page and "ベジタリアン" in page


def test_organizer_adds_edits_reorders_and_deletes_questions(client):
    event = make_event()
    login(client, make_user("organizer", password=PASSWORD))
    url = f"/manage/events/{event.id}/questions"
    assert client.get(url).status_code == 200
    r = client.post(url, data={"action": "add", "kind": "multiple_choice", "label": "Sessions",
                               "options": "Opening\nPanel\n\nDinner", "required": "1"})
    assert r.status_code == 302
    r = client.post(url, data={"action": "add", "kind": "text", "label": "Dietary notes",
                               "show_if_question": "Sessions", "show_if_value": "Dinner"})
    assert r.status_code == 302
    sessions, notes = qsvc.questions_of(event)
    assert sessions.options == ["Opening", "Panel", "Dinner"] and sessions.required
    assert notes.show_if_question_id == sessions.id and notes.show_if_value == "Dinner"
    r = client.post(url, data={"action": "save", "question_id": str(sessions.id), "kind": "multiple_choice",
                               "label": "Sessions", "options": "Opening\nPanel\nDinner", "required": "1",
                               "translation_language": "ja", "translation_label": "セッション",
                               "translation_options": "開会\nパネル\n夕食"})
    assert r.status_code == 302
    db.session.refresh(sessions)
    assert sessions.options_in("ja") == ["開会", "パネル", "夕食"]
    client.post(url, data={"action": "up", "question_id": str(notes.id)})
    assert [q.label for q in qsvc.questions_of(event)] == ["Dietary notes", "Sessions"]
    bad = client.post(url, data={"action": "add", "kind": "single_choice", "label": "One", "options": "only"})
    assert bad.status_code == 422 and "at least two options" in bad.get_data(as_text=True)
    asks = client.post(url, data={"action": "delete", "question_id": str(sessions.id)})
    assert asks.status_code == 200 and "Delete this question?" in asks.get_data(as_text=True)
    assert db.session.get(Question, sessions.id) is not None  # not before it is confirmed
    client.post(url, data={"action": "delete", "question_id": str(sessions.id), "confirmed": "1"})
    db.session.expire_all()
    assert [q.label for q in qsvc.questions_of(event)] == ["Dietary notes"]
    audit = client.get(f"/manage/events/{event.id}/audit")
    text = audit.get_data(as_text=True)
    assert audit.status_code == 200
    assert "Registration question added" in text and "Registration question deleted" in text


def test_the_registrations_page_shows_answers_and_counts(client):
    event, meal, visa, passport = forum()
    rsvc.respond(event, make_member(given_name="Priya"), "yes",
                 answers={str(meal.id): "Vegetarian", str(visa.id): True, str(passport.id): "Z9"})
    db.session.commit()
    login(client, make_user("organizer", password=PASSWORD))
    page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert "Answers to the registration questions" in page and "Z9" in page and "Vegetarian" in page
    csv = client.get(f"/manage/events/{event.id}/registrations.csv").get_data(as_text=True)
    assert "Meal,Visa letter?,Passport" in csv.splitlines()[0] and "Vegetarian,yes,Z9" in csv


def test_the_event_form_sets_the_retention(client):
    event = make_event()
    login(client, make_user("organizer", password=PASSWORD))
    page = client.get(f"/manage/events/{event.id}/edit").get_data(as_text=True)
    assert 'name="answers_retention_days"' in page and 'value="90"' in page
