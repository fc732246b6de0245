"""Calendar routes read by independent parsers (vobject, ical.js): local times in four zones,
UID stability, SEQUENCE growth, cancellation, the member's private feed, conditional GET."""
from datetime import UTC, datetime, timedelta

import pytest

from alumni.extensions import db
from alumni.services import events as event_svc
from alumni.services import registrations as reg_svc
from tests.factories import login, make_account, make_event, make_member
from tests.icalcheck import parse_icaljs, parse_vobject
from tests.sqlcount import Statements

ZONES = [
    ("Asia/Kolkata", datetime(2027, 1, 23, 18, 0), datetime(2027, 1, 23, 12, 30, tzinfo=UTC)),
    ("Africa/Nairobi", datetime(2027, 8, 19, 10, 0), datetime(2027, 8, 19, 7, 0, tzinfo=UTC)),
    ("Asia/Tokyo", datetime(2027, 11, 15, 13, 30), datetime(2027, 11, 15, 4, 30, tzinfo=UTC)),
    ("America/Sao_Paulo", datetime(2027, 3, 5, 19, 0), datetime(2027, 3, 5, 22, 0, tzinfo=UTC)),
]


def private_feed_path(member) -> str:
    """The path of the member's private feed (its token made and committed)."""
    from alumni.services.calendars import member_feed_url

    path = member_feed_url(member).split("alumni.test", 1)[1]
    db.session.commit()
    return path


def vevents(ics: bytes) -> dict:
    cal = parse_vobject(ics)
    return {ev.uid.value: ev for ev in cal.contents.get("vevent", [])}


@pytest.mark.parametrize("zone, local, utc", ZONES)
def test_event_ics_keeps_local_time_in_its_zone(client, zone, local, utc, tmp_path):
    event = make_event(timezone=zone, starts_at=local, ends_at=local + timedelta(hours=3))
    r = client.get(f"/events/{event.id}.ics")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar")
    ev = vevents(r.data)[f"event-{event.id}@sakura-alumni"]
    assert ev.dtstart.value.astimezone(UTC) == utc
    assert f"DTSTART;TZID={zone}:{local:%Y%m%dT%H%M%S}".encode() in r.data
    js = parse_icaljs(r.data, tmp_path)["events"][0]
    assert js["tzid"] == zone and js["start_utc"] == int(utc.timestamp())


def test_public_feed_in_all_four_zones_parses_in_both_parsers(client, tmp_path):
    made = [make_event(chapter="IN" if i == 0 else "JP", timezone=zone, starts_at=local,
                       ends_at=local + timedelta(hours=2)) for i, (zone, local, _u) in enumerate(ZONES)]
    r = client.get("/calendar/events.ics")
    assert b"X-WR-CALNAME:" in r.data and b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in r.data
    parsed = vevents(r.data)
    assert set(parsed) == {f"event-{e.id}@sakura-alumni" for e in made}
    js = {e["uid"]: e for e in parse_icaljs(r.data, tmp_path)["events"]}
    for event, (_zone, local, utc) in zip(made, ZONES, strict=False):
        assert js[f"event-{event.id}@sakura-alumni"]["start_utc"] == int(utc.timestamp())
        assert js[f"event-{event.id}@sakura-alumni"]["start_local"] == local.isoformat()


def test_drafts_stay_out_and_filters_apply(client):
    make_event(chapter="IN", title="Published reunion")
    make_event(chapter="IN", title="Secret draft", publish=False)
    make_event(chapter="JP", kind="forum", title="Forum in Tokyo", timezone="Asia/Tokyo", country="JP",
               venue="Tokyo")
    text = client.get("/calendar/events.ics").get_data(as_text=True)
    assert "Published reunion" in text and "Forum in Tokyo" in text and "Secret draft" not in text
    only_forums = client.get("/calendar/events.ics?kind=forum").get_data(as_text=True)
    assert "Forum in Tokyo" in only_forums and "Published reunion" not in only_forums
    only_in = client.get("/calendar/events.ics?chapter=IN").get_data(as_text=True)
    assert "Published reunion" in only_in and "Forum in Tokyo" not in only_in
    assert client.get("/calendar/events.ics?country=JP").get_data(as_text=True).count("BEGIN:VEVENT") == 1
    assert client.get("/calendar/events.ics?kind=party").status_code == 422
    assert client.get("/calendar/events.ics?lang=xx").status_code == 400


def test_texts_in_the_requested_language(client):
    event = make_event(title="7th India alumni reunion",
                       translations={"ja": {"title": "第7回インド同窓会", "description": "再会しましょう"}})
    assert "第7回インド同窓会" in client.get(f"/events/{event.id}.ics?lang=ja").get_data(as_text=True)
    assert "7th India alumni reunion" in client.get(f"/events/{event.id}.ics?lang=hi").get_data(as_text=True)


def test_moving_an_event_raises_sequence_and_moves_it_everywhere_uid_unchanged(client, tmp_path):
    member = make_member()
    event = make_event(starts_at=datetime(2027, 1, 23, 18, 0), ends_at=datetime(2027, 1, 23, 21, 0))
    reg_svc.respond(event, member, "yes")
    db.session.commit()
    feed = private_feed_path(member)
    uid = f"event-{event.id}@sakura-alumni"
    before = {url: vevents(client.get(url).data)[uid] for url in (f"/events/{event.id}.ics", "/calendar/events.ics", feed)}
    event_svc.update_event(event, {"starts_at": "2027-01-24T19:00:00", "ends_at": "2027-01-24T22:00:00"})
    db.session.commit()
    for url, old in before.items():
        new = vevents(client.get(url).data)[uid]
        assert int(new.sequence.value) > int(old.sequence.value), url
        assert new.dtstart.value.replace(tzinfo=None) == datetime(2027, 1, 24, 19, 0), url


def test_cancelled_event_stays_in_feeds_as_cancelled(client, tmp_path):
    member = make_member()
    event = make_event()
    reg_svc.respond(event, member, "yes")
    event_svc.cancel_event(event)
    db.session.commit()
    feed = private_feed_path(member)
    for url in (f"/events/{event.id}.ics", "/calendar/events.ics", feed):
        ev = vevents(client.get(url).data)[f"event-{event.id}@sakura-alumni"]
        assert ev.status.value == "CANCELLED", url
    assert parse_icaljs(client.get("/calendar/events.ics").data, tmp_path)["events"][0]["status"] == "CANCELLED"


def test_member_feed_holds_only_that_members_yes_events(client):
    me, other = make_member(), make_member()
    yes, maybe, theirs, _unanswered = (make_event(title=t) for t in ("Yes", "Maybe", "Theirs", "Unanswered"))
    reg_svc.respond(yes, me, "yes")
    reg_svc.respond(maybe, me, "maybe")
    reg_svc.respond(theirs, other, "yes")
    db.session.commit()
    feed = private_feed_path(me)
    parsed = vevents(client.get(feed).data)
    assert list(parsed) == [f"event-{yes.id}@sakura-alumni"]


def test_waitlisted_is_not_in_the_feed_until_promoted(client):
    me, first = make_member(), make_member()
    event = make_event(capacity=1)
    reg_svc.respond(event, first, "yes")
    reg_svc.respond(event, me, "yes")
    db.session.commit()
    feed = private_feed_path(me)
    assert b"BEGIN:VEVENT" not in client.get(feed).data
    reg_svc.withdraw(reg_svc.find_registration(event, first))
    db.session.commit()
    assert client.get(feed).data.count(b"BEGIN:VEVENT") == 1


def test_resetting_the_token_kills_the_old_url(client, api):
    from tests.factories import make_token, make_user

    member = make_member()
    token = make_token(make_user("member", member=member))
    old = api.get(f"/members/{member.id}", token).json["calendar_url"]
    assert client.get(old.split("alumni.test", 1)[1]).status_code == 200
    r = api.post(f"/members/{member.id}/calendar-token", token)
    assert r.status_code == 200 and r.json["calendar_url"] != old
    assert client.get(old.split("alumni.test", 1)[1]).status_code == 404
    assert client.get(r.json["calendar_url"].split("alumni.test", 1)[1]).status_code == 200
    other = make_member(visibility="public")
    assert "calendar_url" not in api.get(f"/members/{other.id}", token).json
    assert api.post(f"/members/{other.id}/calendar-token", token).status_code == 403


def test_conditional_get_answers_304_until_something_changes(client):
    event = make_event()
    for url in (f"/events/{event.id}.ics", "/calendar/events.ics"):
        first = client.get(url)
        etag = first.headers["ETag"]
        assert first.headers["Last-Modified"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
    event_svc.update_event(event, {"venue": "Taj Palace, New Delhi"})
    db.session.commit()
    assert client.get("/calendar/events.ics", headers={"If-None-Match": etag}).status_code == 200


def test_member_feed_304_until_the_member_changes_an_answer(client):
    """The private feed's version covers the member's answers, the reminder choice and the
    events: a "no" takes an event out without changing the event itself."""
    me = make_member()
    later, instead, going = make_event(title="Later"), make_event(title="Instead"), make_event(title="Going")
    reg_svc.respond(going, me, "yes")
    reg_svc.respond(later, me, "yes")
    reg_svc.respond(instead, me, "no")
    db.session.commit()
    url = private_feed_path(me)
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # One event out, another in: the same number of events, none of them changed, and the
    # newest of them (the feed's Last-Modified) the same.
    reg_svc.respond(later, me, "no")
    reg_svc.respond(instead, me, "yes")
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert sorted(vevents(changed.data)) == sorted([f"event-{going.id}@sakura-alumni", f"event-{instead.id}@sakura-alumni"])
    assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304
    me.calendar_alarm_minutes = None
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 200


def test_member_feed_poll_is_one_statement(client):
    """An hourly poll of a private feed: the token, the member and the feed's version come back
    in one statement (one round trip to the database), and a 304 builds nothing else."""
    me, other = make_member(), make_member()
    events = [make_event(title=f"Reunion {i}") for i in range(3)]
    for event in events:
        reg_svc.respond(event, me, "yes")
        reg_svc.respond(event, other, "no")
    db.session.commit()
    url = private_feed_path(me)
    etag = client.get(url).headers["ETag"]
    with Statements() as sent:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert sent.count == 1, sent.sql
    # Another member's answers do not move this member's version.
    reg_svc.respond(events[0], other, "yes")
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # A member with no answers at all still has a (empty) feed and a 304.
    lonely = private_feed_path(make_member())
    empty = client.get(lonely)
    assert empty.status_code == 200 and b"BEGIN:VEVENT" not in empty.data
    assert client.get(lonely, headers={"If-None-Match": empty.headers["ETag"]}).status_code == 304


def test_unknown_or_overlong_feed_token_is_404(client):
    assert client.get("/calendar/member/nope.ics").status_code == 404
    assert client.get("/calendar/member/" + "x" * 200 + ".ics").status_code == 404


def test_draft_ics_is_not_found_for_the_public(client):
    draft = make_event(publish=False)
    assert client.get(f"/events/{draft.id}.ics").status_code == 404


def test_all_day_multi_day_event_spans_its_days(client, tmp_path):
    event = make_event(all_day=True, starts_at="2027-01-23T00:00:00", ends_at="2027-01-25T00:00:00")
    r = client.get(f"/events/{event.id}.ics")
    ev = vevents(r.data)[f"event-{event.id}@sakura-alumni"]
    assert str(ev.dtstart.value) == "2027-01-23" and str(ev.dtend.value) == "2027-01-26"


def test_my_calendar_page_shows_the_feed_and_resets_it(client):
    account = make_account("hanako@example.jp")
    login(client, account)
    page = client.get("/me/calendar").get_data(as_text=True)
    assert "/calendar/member/" in page and "webcal://" in page
    old = account.member.calendar_token
    r = client.post("/me/calendar/reset")
    assert r.status_code == 302
    db.session.refresh(account.member)
    assert account.member.calendar_token != old
    client.post("/me/calendar/reminder", data={"minutes": "none"})
    db.session.refresh(account.member)
    assert account.member.calendar_alarm_minutes is None
    assert client.post("/me/calendar/reminder", data={"minutes": "7"}).status_code == 422


def test_event_page_offers_add_to_calendar(client):
    event = make_event()
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f"/events/{event.id}.ics" in html and "webcal://" in html and "calendar.google.com" in html
