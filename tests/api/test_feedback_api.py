"""Feedback through the API (issue 22 item 5): GET /events/{id}/feedback for the chapter's
organizers and staff, with the page's suppression; feedback_questions and feedback_after_hours on
the event, in the same shape as questions."""
from alumni.extensions import db
from alumni.services import feedback as fsvc
from tests.factories import make_chapter, make_member, make_token, make_user
from tests.services.test_feedback import attendee, past_event

FEEDBACK = [
    {"kind": "single_choice", "label": {"en": "Rating", "ja": "評価"}, "required": True,
     "options": [{"value": "good", "label": {"ja": "良い"}}, {"value": "bad", "label": {}}]},
    {"kind": "long_text", "label": {"en": "Comments"}},
    {"kind": "text", "label": {"en": "Why bad?"}, "show_if": {"question": "Rating", "value": "bad"}},
]


def test_feedback_questions_are_part_of_the_event(api):
    event = past_event()
    organizer = make_token(make_user("organizer"))
    r = api.patch(f"/events/{event.id}", organizer, json={"feedback_questions": FEEDBACK, "feedback_after_hours": 12})
    assert r.status_code == 200, r.get_json()
    body = api.get(f"/events/{event.id}").get_json()
    assert body["questions"] == [] and body["feedback_after_hours"] == 12
    rating, _comments, why = body["feedback_questions"]
    assert rating["label"] == {"en": "Rating", "ja": "評価"} and rating["required"] is True
    assert why["show_if"] == {"question": rating["id"], "value": "bad"}
    assert [q.label for q in fsvc.feedback_questions(event)] == ["Rating", "Comments", "Why bad?"]
    r = api.patch(f"/events/{event.id}", organizer, json={"feedback_after_hours": 999})
    assert r.status_code == 422
    r = api.patch(f"/events/{event.id}", organizer, json={"feedback_questions": [{**FEEDBACK[1], "colour": "red"}]})
    assert r.status_code == 422 and "colour" in r.get_json()["error"]["message"]


def test_results_for_organizers_and_staff_with_suppression(api):
    event = past_event()
    fsvc.add_default_questions(event)
    rating, liked, _change = fsvc.feedback_questions(event)
    regs = [attendee(event) for _ in range(7)]
    for i, reg in enumerate(regs[:6]):
        fsvc.submit(reg, {str(rating.id): "4" if i else "1", str(liked.id): "Talks" if i < 3 else ""})
    db.session.commit()
    for token in (make_token(make_user("organizer")), make_token(make_user("staff"))):
        r = api.get(f"/events/{event.id}/feedback", token)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert (body["checked_in"], body["responses"], body["min_cell"]) == (7, 6, 5)
        assert abs(body["response_rate"] - 6 / 7) < 0.001
        first, second, _third = body["questions"]
        # 6 answered, 5 said 4: "5" would tell that exactly one said 1, so it is hidden as "≥5".
        assert first["counts"] == {"1": "<5", "2": 0, "3": 0, "4": "≥5", "5": 0}
        assert second["texts"] is None and second["answered"] == 3
    member = make_token(make_user("member", member=make_member()))
    assert api.get(f"/events/{event.id}/feedback", member).status_code == 403
    make_chapter("LK", "Sri Lanka chapter", ("LK",))
    other = make_token(make_user("organizer", chapter="LK"))
    assert api.get(f"/events/{event.id}/feedback", other).status_code == 403
    # the registration's answers in the API are the registration questions' only
    own = make_token(make_user("member", member=regs[1].member))
    [mine] = api.get(f"/events/{event.id}/registrations", own).get_json()["items"]
    assert mine["answers"] == {}


def test_the_operation_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/events/{event_id}/feedback"]["get"]
    assert operation["operationId"] == "getEventFeedback"
    assert "feedback_questions" in spec["components"]["schemas"]["Event"]["properties"]
