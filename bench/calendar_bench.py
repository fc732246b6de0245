"""Calendar feeds at scale: a public feed of 1,000 events, one event, and a 304 — server time
(through the WSGI app in-process, no network), median of several runs."""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from bench.common import make_app, median_ms, pg_url, sqlite_url

ZONES = ["Asia/Kolkata", "Asia/Tokyo", "Africa/Nairobi", "America/Sao_Paulo", "Asia/Bangkok"]


def load_events(n: int) -> int:
    from alumni.extensions import db
    from alumni.models import Event, EventKind, EventStatus
    from alumni.services.chapters import create_chapter

    chapter, _created = create_chapter("IN", "India chapter", ["IN"])
    start = datetime(2027, 1, 1, 18, 0)
    db.session.add_all(Event(
        kind=EventKind.reunion if i % 3 else EventKind.forum, language="en",
        title=f"Alumni meeting {i} — 同窓会 {i} — पूर्व छात्र सम्मेलन {i}",
        description="Talks, dinner and networking.\n" * 3,
        translations={"ja": {"title": f"同窓会 {i}", "description": "講演と夕食"}},
        starts_at=start + timedelta(days=i // 3, hours=i % 3), ends_at=start + timedelta(days=i // 3, hours=i % 3 + 3),
        timezone=ZONES[i % len(ZONES)], venue="India Habitat Centre, New Delhi", country="IN",
        capacity=200, chapter=chapter, status=EventStatus.published, sequence=i % 4,
    ) for i in range(n))
    db.session.commit()
    return db.session.scalar(db.select(db.func.min(Event.id)))


def _member_with_answers(n: int) -> str:
    """A member who said yes to `n` events; the secret of their private feed."""
    from alumni.extensions import db
    from alumni.models import Event
    from alumni.services import calendars, members, registrations

    member = members.create_member({"email": "feed-bench@example.org", "given_name": "Feed", "country": "IN"})
    db.session.flush()
    for event in db.session.scalars(db.select(Event).order_by(Event.id).limit(n)):
        registrations.respond(event, member, "yes")
    token = calendars.ensure_calendar_token(member)
    db.session.commit()
    return token


def bench_calendar(url: str, events: int = 1000) -> dict:
    # Rendering is measured with the page cache off; the 304 both ways: the version from the
    # database, and from the few-second cache that repeated polls of a public feed hit.
    app = make_app(url, PAGE_CACHE_SECONDS=0)
    with app.app_context():
        first_id = load_events(events)
        token = _member_with_answers(20)
    client = app.test_client()
    feed = client.get("/calendar/events.ics")
    assert feed.status_code == 200 and feed.data.count(b"BEGIN:VEVENT") == events
    etag = feed.headers["ETag"]

    def poll():
        response = client.get("/calendar/events.ics", headers={"If-None-Match": etag})
        assert response.status_code == 304
    figures = {
        "feed_ms": median_ms(lambda: client.get("/calendar/events.ics"), runs=5),
        "event_ms": median_ms(lambda: client.get(f"/events/{first_id}.ics"), runs=21),
        "not_modified_uncached_ms": median_ms(poll, runs=41),
        "feed_kb": len(feed.data) / 1024,
    }
    private = client.get(f"/calendar/member/{token}.ics")
    assert private.status_code == 200 and private.data.count(b"BEGIN:VEVENT") == 20

    def poll_private():
        response = client.get(f"/calendar/member/{token}.ics", headers={"If-None-Match": private.headers["ETag"]})
        assert response.status_code == 304
    figures["member_not_modified_ms"] = median_ms(poll_private, runs=41)  # never cached: one per member
    app.config["PAGE_CACHE_SECONDS"] = 5
    figures["not_modified_ms"] = median_ms(poll, runs=41)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--database-url", action="append")
    args = parser.parse_args()
    for url in args.database_url or [sqlite_url("calendar"), pg_url()]:
        r = bench_calendar(url, args.events)
        print(f"{url.split(':')[0]:18} feed of {args.events} events {r['feed_ms']:7.1f} ms ({r['feed_kb']:.0f} KiB)  "
              f"one event {r['event_ms']:5.1f} ms  304 {r['not_modified_ms']:5.2f} ms "
              f"(version from the database {r['not_modified_uncached_ms']:5.2f} ms; "
              f"a member's private feed {r['member_not_modified_ms']:5.2f} ms)")


if __name__ == "__main__":
    main()
