"""The event page and the API offer the same answers, and they are the answers the service takes
(issue 24: the page used to hide No and Withdraw after the deadline, which the service allows)."""
import re
from datetime import datetime, timedelta

import pytest

from alumni.errors import Conflict
from alumni.extensions import db
from alumni.services import events as esvc
from alumni.services import registrations as rsvc
from tests.factories import make_event, make_member, make_token, make_user

PASSWORD = "a long enough passphrase"
START = datetime(2031, 3, 1, 18, 0)
DEADLINE = START - timedelta(days=7)


def offered_on_page(client, event) -> list[str]:
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    answers = re.findall(r'<button[^>]*name="response" value="(\w+)"', page)
    if re.search(r'<form method="post" action="/events/\d+/withdraw" data-answer="withdraw">', page):
        answers.append("withdraw")
    return answers


def offered_by_api(api, token, event) -> list[str]:
    body = api.get(f"/events/{event.id}", token).get_json()
    return body["answer_options"]["options"]


@pytest.fixture
def member_client(client):
    member = make_member()
    user = make_user("member", member=member, password=PASSWORD)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client, member, make_token(user)


def _event(capacity=None):
    return make_event(starts_at=START, ends_at=START + timedelta(hours=3), timezone="UTC",
                      registration_deadline=DEADLINE, capacity=capacity)


def _put_in_state(event, member, state):
    if state == "none":
        return
    if state == "waitlisted":
        rsvc.respond(event, make_member(), "yes")  # the one seat goes to someone else
    rsvc.respond(event, member, "yes" if state == "waitlisted" else state)
    db.session.commit()


@pytest.mark.parametrize(("state", "before", "after"), [
    ("none", ["yes", "maybe", "no"], ["no"]),
    ("yes", ["yes", "maybe", "no", "withdraw"], ["no", "withdraw"]),
    ("waitlisted", ["yes", "maybe", "no", "withdraw"], ["no", "withdraw"]),
    ("maybe", ["yes", "maybe", "no", "withdraw"], ["no", "withdraw"]),
    ("no", ["yes", "maybe", "no"], ["no"]),
])
def test_page_and_api_offer_the_same_answers_before_and_after_the_deadline(
        member_client, api, monkeypatch, state, before, after):
    client, member, token = member_client
    event = _event(capacity=1 if state == "waitlisted" else None)
    _put_in_state(event, member, state)
    if state == "waitlisted":
        assert rsvc.find_registration(event, member).status.value == "waitlisted"

    assert offered_on_page(client, event) == offered_by_api(api, token, event) == before

    # A day after the deadline, before the event: only what frees a seat is still taken.
    monkeypatch.setattr(rsvc, "utcnow", lambda: esvc.to_utc(DEADLINE, "UTC") + timedelta(days=1))
    assert offered_on_page(client, event) == offered_by_api(api, token, event) == after
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Registration has closed." in page


def test_what_is_offered_is_what_the_service_takes_after_the_deadline(member_client, monkeypatch):
    client, member, _token = member_client
    event = _event()
    rsvc.respond(event, member, "yes")
    db.session.commit()
    monkeypatch.setattr(rsvc, "utcnow", lambda: esvc.to_utc(DEADLINE, "UTC") + timedelta(days=1))
    for refused in ("yes", "maybe"):
        with pytest.raises(Conflict, match="closed"):
            rsvc.respond(event, member, refused)
    db.session.rollback()
    # The No button the page shows works through the page.
    r = client.post(f"/events/{event.id}/rsvp", data={"response": "no"}, follow_redirects=True)
    assert "Your answer is saved." in r.get_data(as_text=True)
    assert rsvc.find_registration(event, member).status.value == "no"


def test_withdraw_after_the_deadline_works_through_the_page(member_client, monkeypatch):
    client, member, _token = member_client
    event = _event()
    rsvc.respond(event, member, "yes")
    db.session.commit()
    monkeypatch.setattr(rsvc, "utcnow", lambda: esvc.to_utc(DEADLINE, "UTC") + timedelta(days=1))
    r = client.post(f"/events/{event.id}/withdraw", follow_redirects=True)
    assert "Your registration is withdrawn." in r.get_data(as_text=True)
    assert rsvc.find_registration(event, member).status.value == "cancelled"


def test_a_cancelled_event_offers_nothing_and_refuses_a_withdrawal(member_client, api):
    client, member, token = member_client
    event = _event()
    rsvc.respond(event, member, "yes")
    esvc.cancel_event(event)
    db.session.commit()
    assert offered_on_page(client, event) == offered_by_api(api, token, event) == []
    reg = rsvc.find_registration(event, member)
    with pytest.raises(Conflict, match="cancelled"):
        rsvc.withdraw(reg)
    db.session.rollback()
    assert api.patch(f"/registrations/{reg.id}", token, json={"status": "cancelled"}).status_code == 409


def test_a_full_event_says_a_yes_joins_the_waitlist_on_the_page_and_in_the_api(member_client, api):
    client, member, token = member_client
    event = _event(capacity=1)
    rsvc.respond(event, make_member(), "yes")
    db.session.commit()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "if you say yes, you join the waitlist" in page
    assert api.get(f"/events/{event.id}", token).get_json()["answer_options"]["yes_joins_waitlist"] is True
    # The one who holds the last seat is not told so.
    held = _event(capacity=1)
    rsvc.respond(held, member, "yes")
    db.session.commit()
    assert "join the waitlist" not in client.get(f"/events/{held.id}").get_data(as_text=True)
    assert api.get(f"/events/{held.id}", token).get_json()["answer_options"]["yes_joins_waitlist"] is False


def test_a_visitor_and_an_account_without_member_get_no_answer_options(client, api):
    event = _event()
    assert offered_on_page(client, event) == []
    assert "answer_options" not in api.get(f"/events/{event.id}").get_json()
    staff = make_token(make_user("staff"))
    assert "answer_options" not in api.get(f"/events/{event.id}", staff).get_json()


def test_event_routes_answer_a_service_error_with_its_own_status(client):
    """No blanket 404 for any ServiceError: a missing event or ticket is the service's NotFound
    (404, its message shown); a refused withdrawal is the service's Conflict, told on the page."""
    r = client.get("/events/999999")
    assert r.status_code == 404 and "There is no event 999999." in r.get_data(as_text=True)
    r = client.get("/tickets/not-a-token")
    assert r.status_code == 404 and "This ticket is not valid." in r.get_data(as_text=True)


def test_a_refused_withdrawal_is_told_not_hidden(member_client):
    client, member, _token = member_client
    event = _event()
    rsvc.respond(event, member, "yes")
    esvc.cancel_event(event)
    db.session.commit()
    r = client.post(f"/events/{event.id}/withdraw", follow_redirects=True)
    assert r.status_code == 200 and "This event is cancelled; it takes no answers." in r.get_data(as_text=True)
    assert rsvc.find_registration(event, member).status.value == "yes"
