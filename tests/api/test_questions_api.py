"""Questions as part of the event, answers on the registration (issue 22), through the API."""
from tests.factories import make_event, make_member, make_token, make_user

QUESTIONS = [
    {"kind": "single_choice", "label": {"en": "Meal", "ja": "食事"}, "required": True,
     "options": [{"value": "Vegetarian", "label": {"ja": "ベジタリアン"}}, {"value": "Any", "label": {}}]},
    {"kind": "yes_no", "label": {"en": "Visa letter?"}},
    {"kind": "text", "label": {"en": "Passport"}, "required": True,
     "show_if": {"question": "Visa letter?", "value": "yes"}},
]


def setup(api):
    event = make_event()
    organizer = make_token(make_user("organizer"))
    r = api.patch(f"/events/{event.id}", organizer, json={"questions": QUESTIONS, "answers_retention_days": 30})
    assert r.status_code == 200, r.get_json()
    return event, organizer, r.get_json()["questions"]


def test_questions_are_part_of_the_event(api):
    event, organizer, questions = setup(api)
    meal, visa, passport = questions
    assert meal["label"] == {"en": "Meal", "ja": "食事"} and meal["required"] is True
    assert meal["options"][0] == {"value": "Vegetarian", "label": {"en": "Vegetarian", "ja": "ベジタリアン"}}
    assert passport["show_if"] == {"question": visa["id"], "value": "yes"}
    body = api.get(f"/events/{event.id}").get_json()
    assert [q["id"] for q in body["questions"]] == [q["id"] for q in questions]
    assert body["answers_retention_days"] == 30
    # A write replaces the list: the ones left out are deleted, the ones with ids kept.
    r = api.patch(f"/events/{event.id}", organizer, json={"questions": [
        {**meal, "label": {"en": "Food"}}, {"id": visa["id"], "kind": "yes_no", "label": {"en": "Visa?"}}]})
    assert r.status_code == 200, r.get_json()
    assert [q["label"]["en"] for q in r.get_json()["questions"]] == ["Food", "Visa?"]


def test_a_bad_question_is_422(api):
    event, organizer, _ = setup(api)
    r = api.patch(f"/events/{event.id}", organizer, json={"questions": [{"kind": "essay", "label": {"en": "x"}}]})
    assert r.status_code == 422
    r = api.patch(f"/events/{event.id}", organizer, json={"questions": [
        {"kind": "text", "label": {"en": "x"}, "show_if": {"question": "nothing", "value": "y"}}]})
    assert r.status_code == 422 and "show_if" in r.get_json()["error"]["fields"]


def test_answers_on_the_registration_and_the_422s_naming_the_question(api):
    event, _organizer, (meal, visa, passport) = setup(api)
    member = make_member()
    token = make_token(make_user("member", member=member))
    url = f"/events/{event.id}/registrations"
    r = api.post(url, token, json={"response": "yes", "answers": {}})
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == [f"answers.{meal['id']}"]
    r = api.post(url, token, json={"response": "yes", "answers": {
        str(meal["id"]): "Any", str(visa["id"]): False, str(passport["id"]): "X1"}})
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == [f"answers.{passport['id']}"]
    r = api.post(url, token, json={"response": "yes", "answers": {
        str(meal["id"]): "Any", str(visa["id"]): True, str(passport["id"]): "X1"}})
    assert r.status_code == 201, r.get_json()
    reg = r.get_json()
    assert reg["answers"] == {str(meal["id"]): "Any", str(visa["id"]): True, str(passport["id"]): "X1"}
    r = api.patch(f"/registrations/{reg['id']}", token, json={"answers": {str(meal["id"]): "Pizza"}})
    assert r.status_code == 422 and f"answers.{meal['id']}" in r.get_json()["error"]["fields"]
    r = api.patch(f"/registrations/{reg['id']}", token, json={"answers": {str(meal["id"]): "Vegetarian"}})
    assert r.status_code == 200 and r.get_json()["answers"] == {str(meal["id"]): "Vegetarian"}


def test_the_summary_counts_per_option(api):
    event, organizer, (meal, visa, _passport) = setup(api)
    for choice in ("Any", "Any", "Vegetarian"):
        member = make_member()
        token = make_token(make_user("member", member=member))
        api.post(f"/events/{event.id}/registrations", token,
                 json={"response": "yes", "answers": {str(meal["id"]): choice}})
    summary = api.get(f"/events/{event.id}/summary", organizer).get_json()
    counts = {q["id"]: q["counts"] for q in summary["questions"]}
    assert counts[meal["id"]] == {"Vegetarian": 1, "Any": 2}
    assert counts[visa["id"]] == {"yes": 0, "no": 0}
