"""Waitlist offers through the API (issue 22): offer_hours on the event, `offer` on the
registration, POST /registrations/{id}/take-offer, and a yes taking an open offer."""
from alumni.extensions import db
from alumni.services import registrations as rsvc
from tests.api.test_events_api import NEW, member_token, organizer
from tests.factories import make_event, make_member


def test_offer_hours_is_set_and_checked_on_the_event(api):
    token = organizer()
    body = api.post("/events", token, json={**NEW, "offer_hours": 48}).get_json()
    assert body["offer_hours"] == 48
    r = api.patch(f"/events/{body['id']}", token, json={"offer_hours": 0})
    assert r.status_code == 422 and "offer_hours" in r.get_json()["error"]["fields"]
    r = api.patch(f"/events/{body['id']}", token, json={"offer_hours": None})
    assert r.status_code == 200 and r.get_json()["offer_hours"] is None
    assert api.post("/events", token, json=NEW).get_json()["offer_hours"] is None  # off by default


def offered_registration():
    event = make_event(capacity=1, offer_hours=6)
    seated = rsvc.respond(event, make_member(), "yes").registration
    member, token = member_token()
    reg = rsvc.respond(event, member, "yes").registration
    db.session.commit()
    return event, seated, reg, token


def test_the_registration_shows_the_offer_and_take_offer_takes_it(api):
    event, seated, reg, token = offered_registration()
    listed = api.get(f"/events/{event.id}/registrations", token).get_json()["items"][0]
    assert listed["offer"] is None and listed["status"] == "waitlisted"
    assert api.post(f"/registrations/{reg.id}/take-offer", token).status_code == 409  # no offer yet
    rsvc.withdraw(seated)
    db.session.commit()
    listed = api.get(f"/events/{event.id}/registrations", token).get_json()["items"][0]
    assert listed["offer"]["expires_at"].startswith(reg.offer_expires_at.isoformat()[:16])
    r = api.post(f"/registrations/{reg.id}/take-offer", token)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "yes" and r.get_json()["offer"] is None
    assert api.post(f"/registrations/{reg.id}/take-offer", token, json={"x": 1}).status_code == 422


def test_answering_yes_again_takes_an_open_offer(api):
    event, seated, _reg, token = offered_registration()
    rsvc.withdraw(seated)
    db.session.commit()
    r = api.post(f"/events/{event.id}/registrations", token, json={"response": "yes"})
    assert r.status_code == 200 and r.get_json()["status"] == "yes"
