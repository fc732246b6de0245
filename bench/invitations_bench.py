"""Invitations at the seeds' scale: 43,000 members, an audience of 10,000 across 10 languages.
Times the count per language, queuing (audience query, rendering in each member's language with
the calendar attachment, outbox insert, commit), queuing again (nothing queued), and optionally
delivering the rendered invitations to a local SMTP sink.

    ALUMNI_ENV=development .venv/bin/python -m bench.invitations_bench \
        --database-url sqlite:////tmp/alumni-bench/inv.sqlite3 --database-url postgresql+psycopg://…
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

from bench.common import make_app, peak_rss_mb, pg_url, smtp_sink, sqlite_url

LANGUAGES = ["en", "ja", "zh-Hans", "hi", "id", "th", "vi", "fr", "es", "ar"]
TOTAL = 43_000
AUDIENCE = 10_000


def seed(n_total: int, n_audience: int):
    from sqlalchemy import insert

    from alumni.extensions import db
    from alumni.models import Member
    from alumni.services import chapters

    chapters.create_chapter("IN", "India chapter", ["IN"])
    others = ["KE", "TH", "VN", "ID", "BR", "EG", "FR", "MX"]
    rows = []
    for i in range(n_total):
        country = "IN" if i < n_audience else others[i % len(others)]
        rows.append({"email": f"alum{i}@example.org", "given_name": f"Given{i}", "family_name": f"Family{i}",
                     "native_name": "", "family_name_first": False, "search_key": f"given{i} family{i}",
                     "country": country, "preferred_language": LANGUAGES[i % len(LANGUAGES)],
                     "timezone": "UTC", "field": "", "visibility": "members"})
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Member), rows[start:start + 5000])
    db.session.commit()
    return new_event()


def new_event() -> int:
    """A published reunion of the IN chapter, in ten languages, that nobody is invited to yet."""
    from alumni.extensions import db
    from alumni.services import events

    translations = {lang: {"title": f"Reunion ({lang})", "description": f"Description in {lang}."}
                    for lang in LANGUAGES if lang != "en"}
    event = events.create_event({
        "kind": "reunion", "title": "Alumni reunion in New Delhi", "description": "Meet again.", "language": "en",
        "translations": translations, "starts_at": datetime(2027, 3, 14, 18, 0), "ends_at": datetime(2027, 3, 14, 21, 0),
        "timezone": "Asia/Kolkata", "venue": "India Habitat Centre, New Delhi", "country": "IN", "chapter": "IN"})
    events.publish_event(event)
    db.session.commit()
    return event.id


def bench(url: str, *, deliver: bool, runs: int = 3) -> dict:
    """Counting the audience, queuing it (the median of `runs` events, each invited once), queuing
    it again (all skipped), and with `deliver` sending every invitation queued."""
    from alumni.extensions import db
    from alumni.models import Event
    from alumni.services import invitations, outbox

    result: dict = {}
    with smtp_sink() as (port, _counter):
        app = make_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.app_context():
            event_id = seed(TOTAL, AUDIENCE)
            event = db.session.get(Event, event_id)
            audience = invitations.clean_audience({"chapter": "IN"})
            start = time.perf_counter()
            count = invitations.count_audience(audience)
            result["count_ms"] = (time.perf_counter() - start) * 1000
            assert count.total == AUDIENCE and len(count.by_language) == 10, count
            queue_runs = []
            for run in range(runs):
                invited = event if run == 0 else db.session.get(Event, new_event())
                start = time.perf_counter()
                queued, skipped = invitations.queue_invitations(invited, audience)
                db.session.commit()
                queue_runs.append(time.perf_counter() - start)
                assert (queued, skipped) == (AUDIENCE, 0), (queued, skipped)
            result["queue_s"] = statistics.median(queue_runs)
            result["queue_runs"] = queue_runs
            start = time.perf_counter()
            again = invitations.queue_invitations(event, audience)
            db.session.commit()
            result["requeue_s"] = time.perf_counter() - start
            assert again == (0, AUDIENCE), again
            if deliver:
                start = time.perf_counter()
                report = outbox.deliver_due("bench", batch_size=200)
                seconds = time.perf_counter() - start
                assert report.sent == AUDIENCE * runs, report  # every event's invitations
                result["deliver_per_s"] = report.sent / seconds
        result["rss_mb"] = peak_rss_mb()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", action="append")
    parser.add_argument("--deliver", action="store_true", help="also deliver them to a local SMTP sink")
    args = parser.parse_args()
    for url in args.database_url or [sqlite_url("invitations"), pg_url()]:
        r = bench(url, deliver=args.deliver)
        line = (f"{url.split(':')[0]:10} count per language {r['count_ms']:6.0f} ms  "
                f"queue {AUDIENCE} invitations {r['queue_s']:5.1f} s ({AUDIENCE / r['queue_s']:5.0f}/s)  "
                f"again {r['requeue_s']:4.1f} s")
        if "deliver_per_s" in r:
            line += f"  deliver {r['deliver_per_s']:4.0f} msg/s"
        print(line + f"  peak RSS {r['rss_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
