"""The anonymous page cache: anonymous visitors get the cached page for a few seconds; members
always see fresh data; the language is part of the key."""
import pytest

from alumni.extensions import db
from alumni.services import events as event_svc
from alumni.web import pagecache
from tests.factories import logged_in, make_account, make_event
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
    member = app.test_client()
    logged_in(member, "m@example.org")
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


# ---------------------------------------------------------------- the event, for members
@pytest.fixture
def article_renders(monkeypatch):
    """How many times the event part of the page was rendered (not taken from its cache)."""
    from alumni.web import events as event_pages

    seen = []
    render = event_pages.render_fragment

    def counting(template, /, **context):
        if template == "events/_article.html":
            seen.append(template)
        return render(template, **context)

    monkeypatch.setattr(event_pages, "render_fragment", counting)
    return seen


def test_members_reuse_the_rendered_event_but_never_a_stale_one(app, cache_on, article_renders):
    from alumni.services import registrations

    event = make_event(title="Nairobi forum", venue="Hall A", capacity=10, timezone="Africa/Nairobi",
                       country="KE", chapter="KE")
    delhi = app.test_client()
    delhi_user = logged_in(delhi, "delhi@example.org", timezone="Asia/Kolkata")
    page = delhi.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Hall A" in page and "10 places left" in page and "your time, India Standard Time, GMT+05:30" in page
    again = delhi.get(f"/events/{event.id}").get_data(as_text=True)
    assert _without_csrf(again) == _without_csrf(page)  # the same page (the token is signed afresh) …
    assert len(article_renders) == 1  # … with the event rendered once

    # Each thing the event part shows is in its key: an edit, an answer, the viewer's zone, the language.
    event_svc.update_event(event, {"venue": "Hall B"})
    db.session.commit()
    assert "Hall B" in delhi.get(f"/events/{event.id}").get_data(as_text=True)
    registrations.respond(event, make_account("other@example.org").member, "yes")
    db.session.commit()
    assert "9 places left" in delhi.get(f"/events/{event.id}").get_data(as_text=True)
    tokyo = app.test_client()
    logged_in(tokyo, "tokyo@example.org", timezone="Asia/Tokyo")
    assert "your time, Japan Standard Time, GMT+09:00" in tokyo.get(f"/events/{event.id}").get_data(as_text=True)
    japanese = app.test_client()
    logged_in(japanese, "ja@example.org", timezone="Asia/Kolkata", preferred_language="ja")
    assert 'lang="ja"' in japanese.get(f"/events/{event.id}").get_data(as_text=True)
    assert len(article_renders) == 5

    # The viewer's own part is never shared: each member sees their own answer.
    registrations.respond(event, delhi_user.member, "maybe")
    db.session.commit()
    assert "status-maybe" in delhi.get(f"/events/{event.id}").get_data(as_text=True)
    assert "status-maybe" not in tokyo.get(f"/events/{event.id}").get_data(as_text=True)


def _without_csrf(page: str) -> str:
    import re

    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)
