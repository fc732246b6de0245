"""The anonymous page cache: anonymous visitors get the cached page for a few seconds; members
always see fresh data; the language is part of the key."""
import pytest

from alumni.extensions import db
from alumni.services import events as event_svc
from alumni.web import pagecache
from tests.factories import make_account, make_event
from tests.sqlcount import Statements


@pytest.fixture
def cache_on(app):
    app.config["PAGE_CACHE_SECONDS"] = 60
    pagecache.clear()
    yield
    app.config["PAGE_CACHE_SECONDS"] = 0
    pagecache.clear()


def test_anonymous_pages_are_cached_members_are_not(client, app, cache_on):
    event = make_event(title="Old title")
    assert "Old title" in client.get(f"/events/{event.id}").get_data(as_text=True)
    event_svc.update_event(event, {"title": "New title"})
    db.session.commit()
    assert "Old title" in client.get(f"/events/{event.id}").get_data(as_text=True)  # cached
    make_account("m@example.org")
    member = app.test_client()
    member.post("/login", data={"email": "m@example.org", "password": "a long enough passphrase"})
    assert "New title" in member.get(f"/events/{event.id}").get_data(as_text=True)


def test_language_is_part_of_the_key(client, cache_on):
    event = make_event()
    english = client.get(f"/events/{event.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    japanese = client.get(f"/events/{event.id}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert 'lang="en"' in english and 'lang="ja"' in japanese


def test_no_cookies_are_replayed_from_the_cache(client, cache_on):
    event = make_event()
    client.get(f"/events/{event.id}")
    again = client.get(f"/events/{event.id}")
    assert "Set-Cookie" not in again.headers


def test_public_feed_polls_get_their_304_without_a_query(client, app):
    event = make_event(title="Delhi reunion")
    etag = client.get("/calendar/events.ics").headers["ETag"]  # cache off: straight from the database
    app.config["PAGE_CACHE_SECONDS"] = 60
    pagecache.clear()
    try:
        with Statements() as first:
            assert client.get("/calendar/events.ics", headers={"If-None-Match": etag}).status_code == 304
        with Statements() as second:
            again = client.get("/calendar/events.ics", headers={"If-None-Match": etag})
        assert first.count >= 1 and second.count == 0
        assert again.status_code == 304 and again.headers["ETag"] == etag

        # A full download is kept too, and a poll with its ETag is answered from it.
        body = client.get("/calendar/events.ics", headers={"Accept-Language": "ja"})
        assert body.status_code == 200 and b"Delhi reunion" in body.data
        with Statements() as third:
            polled = client.get("/calendar/events.ics", headers={"Accept-Language": "ja",
                                                                  "If-None-Match": body.headers["ETag"]})
        assert polled.status_code == 304 and third.count == 0

        # Once the few seconds pass, the moved event reaches the pollers.
        event_svc.update_event(event, {"title": "Delhi reunion, moved"})
        db.session.commit()
        pagecache.clear()
        moved = client.get("/calendar/events.ics", headers={"If-None-Match": etag})
        assert moved.status_code == 200 and b"Delhi reunion\\, moved" in moved.data and moved.headers["ETag"] != etag
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        pagecache.clear()
