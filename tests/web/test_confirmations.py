"""Destructive actions ask first (issue 18): a confirmation page says what will happen and only
its POST acts; and a cancelled draft stays as invisible as the draft was."""
from alumni.extensions import db
from alumni.models import Event, EventStatus
from alumni.services import events as svc
from tests.factories import PASSWORD, login, make_event, make_token, make_user


def test_a_cancelled_draft_is_invisible_to_visitors_lists_feeds_and_the_api(client, api):
    draft = make_event("IN", publish=False, title="Quiet draft")
    shown = make_event("IN", title="Loud reunion")
    svc.cancel_event(draft)
    svc.cancel_event(shown)
    db.session.commit()
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert client.get(f"/events/{draft.id}.ics").status_code == 404
    assert client.get(f"/events/{shown.id}").status_code == 200
    listing = client.get("/events").get_data(as_text=True)
    assert "Quiet draft" not in listing and "Loud reunion" in listing
    feed = client.get("/calendar/events.ics").get_data(as_text=True)
    assert "Quiet draft" not in feed and "Loud reunion" in feed
    token = make_token(make_user("member"))
    items = api.get("/events", token).get_json()["items"]
    assert [e["title"] for e in items] == ["Loud reunion"]
    assert api.get(f"/events/{draft.id}", token).status_code == 404


def test_cancel_goes_through_a_page_that_says_who_is_told(client):
    from alumni.services import registrations as rsvc
    from tests.factories import make_member

    event = make_event("IN", title="Delhi reunion")
    for answer in ("yes", "maybe", "no"):
        rsvc.respond(event, make_member(), answer)
    db.session.commit()
    login(client, make_user("organizer", chapter="IN", password=PASSWORD))
    manage = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert "onsubmit" not in manage and f'href="/manage/events/{event.id}/cancel"' in manage
    page = client.get(f"/manage/events/{event.id}/cancel")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "2 registered people" in text and "What is kept" in text
    # a post without the page's confirmation asks again and changes nothing
    assert client.post(f"/manage/events/{event.id}/cancel").status_code == 200
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.published
    r = client.post(f"/manage/events/{event.id}/cancel", data={"confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.cancelled


def test_cancelling_a_draft_says_nobody_is_told(client):
    draft = make_event("IN", publish=False)
    login(client, make_user("organizer", chapter="IN", password=PASSWORD))
    text = client.get(f"/manage/events/{draft.id}/cancel").get_data(as_text=True)
    assert "nobody is told" in text
    assert client.post(f"/manage/events/{draft.id}/cancel", data={"confirmed": "1"}).status_code == 302
    client.post("/logout")
    assert client.get(f"/events/{draft.id}").status_code == 404
