"""Benchmark of RSVP and the organizer's views at a large event.

    ALUMNI_ENV=development DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python -m bench.events [N]

On a fresh database (the schema is created by the migrations): N members (default 5,000)
answer yes one by one, each in its own transaction as a request would (lock, count, write,
commit), against a capacity of 60 % of N — the rest go to the waitlist. Then it times the
summary, the first page of the registrations list, the waitlist and the CSV export."""
from __future__ import annotations

import sys
import time

from sqlalchemy import insert, select


def main(n: int) -> None:
    from flask_migrate import upgrade

    from alumni import create_app
    from alumni.extensions import db
    from alumni.models import Member
    from alumni.services import registrations as rsvc
    from alumni.services.chapters import create_chapter
    from alumni.services.events import create_event, publish_event
    from alumni.services.paging import paginate

    app = create_app()
    with app.app_context():
        upgrade()
        create_chapter("BENCH", "Benchmark chapter")
        event = create_event({"kind": "reunion", "title": "Benchmark reunion", "starts_at": "2035-01-20T18:00",
                              "ends_at": "2035-01-20T21:00", "timezone": "Asia/Kolkata", "venue": "New Delhi",
                              "capacity": int(n * 0.6), "chapter": "BENCH"})
        publish_event(event)
        stamp = int(time.time())
        db.session.execute(insert(Member), [
            {"email": f"bench{stamp}-{i}@example.org", "given_name": "Priya", "family_name": f"Sharma{i}",
             "native_name": "प्रिया शर्मा", "search_key": f"priya sharma{i} प्रिया शर्मा", "country": "IN"}
            for i in range(n)])
        db.session.commit()
        ids = list(db.session.scalars(select(Member.id).where(Member.email.like(f"bench{stamp}-%"))))
        event_id = event.id

        started = time.perf_counter()
        for member_id in ids:
            rsvc.respond(db.session.get(type(event), event_id), db.session.get(Member, member_id), "yes")
            db.session.commit()
        answer_s = time.perf_counter() - started

        def timed(label, fn, repeat=5):
            best = min(_once(fn) for _ in range(repeat))
            print(f"{label:<42} {best * 1000:8.1f} ms")

        event = db.session.get(type(event), event_id)
        print(f"database: {db.engine.url.get_backend_name()}, members answering: {n}, capacity {event.capacity}")
        print(f"{'answers (one transaction each)':<42} {n / answer_s:8.0f} /s  ({answer_s * 1000 / n:.1f} ms each)")
        timed("summary (counts, sides)", lambda: rsvc.summarise(event))
        timed("registrations list, first page of 50", lambda: paginate(rsvc.list_registrations(event), 1, 50))
        timed("registrations search by name", lambda: paginate(rsvc.list_registrations(event, q="sharma12"), 1, 50))
        timed("waitlist in order", lambda: rsvc.waitlist(event))
        timed("CSV export of all registrations", lambda: rsvc.export_csv(event), repeat=2)
        first = rsvc.list_registrations(event, status="yes").limit(1)
        reg = db.session.scalar(first)
        started = time.perf_counter()
        rsvc.withdraw(reg)
        db.session.commit()
        print(f"{'withdraw + promote first waitlisted':<42} {(time.perf_counter() - started) * 1000:8.1f} ms")


def _once(fn) -> float:
    from alumni.extensions import db

    db.session.expire_all()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
