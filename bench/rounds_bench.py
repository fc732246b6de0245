"""Update rounds at the seeds' scale: 43,000 members, a round to the 10,000 of one chapter across
10 languages. Times the count per language and queuing the round (audience query, one recipient
row per member, rendering each member's mail with their own signed link, outbox insert, commit);
the median of `runs` rounds (each asks the same 10,000 again: a round of its own).

    ALUMNI_ENV=development .venv/bin/python -m bench.rounds_bench \
        --database-url sqlite:////tmp/alumni-bench/rounds.sqlite3 --database-url postgresql+psycopg://…
"""
from __future__ import annotations

import argparse
import statistics
import time

from bench.common import make_app, peak_rss_mb, pg_url, sqlite_url
from bench.invitations_bench import AUDIENCE, LANGUAGES, TOTAL


def seed(n_total: int, n_audience: int) -> None:
    from sqlalchemy import insert

    from alumni.extensions import db
    from alumni.models import Member
    from alumni.services import chapters

    chapters.create_chapter("IN", "India chapter", ["IN"])
    others = ["KE", "TH", "VN", "ID", "BR", "EG", "FR", "MX"]
    rows = [{"email": f"alum{i}@example.org", "given_name": f"Given{i}", "family_name": f"Family{i}",
             "native_name": "", "family_name_first": False, "search_key": f"given{i} family{i}",
             "country": "IN" if i < n_audience else others[i % len(others)],
             "preferred_language": LANGUAGES[i % len(LANGUAGES)], "timezone": "UTC", "field": "",
             "visibility": "members"} for i in range(n_total)]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Member), rows[start:start + 5000])
    db.session.commit()


def bench(url: str, *, runs: int = 3) -> dict:
    """Counting the audience and queuing a round to it (median of `runs` rounds)."""
    from alumni.extensions import db
    from alumni.services import invitations, rounds

    result: dict = {}
    app = make_app(url)
    with app.app_context():
        seed(TOTAL, AUDIENCE)
        audience = invitations.clean_audience({"chapter": "IN", "unconfirmed_months": 24})
        start = time.perf_counter()
        count = invitations.count_audience(audience)
        result["count_ms"] = (time.perf_counter() - start) * 1000
        assert count.total == AUDIENCE and len(count.by_language) == 10, count
        queue_runs = []
        for _run in range(runs):
            start = time.perf_counter()
            _round, queued, skipped = rounds.start_round(audience, message="Thank you for keeping in touch.",
                                                         actor=None)
            db.session.commit()
            queue_runs.append(time.perf_counter() - start)
            assert (queued, skipped) == (AUDIENCE, 0), (queued, skipped)
        result["queue_s"] = statistics.median(queue_runs)
        result["queue_runs"] = queue_runs
    result["rss_mb"] = peak_rss_mb()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", action="append")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for url in args.database_url or [sqlite_url("rounds"), pg_url()]:
        r = bench(url, runs=args.runs)
        print(f"{url.split(':')[0]:10} count per language {r['count_ms']:6.0f} ms  "
              f"queue a round to {AUDIENCE} members {r['queue_s']:5.1f} s ({AUDIENCE / r['queue_s']:5.0f}/s)  "
              f"runs {', '.join(f'{s:.1f}' for s in r['queue_runs'])} s  peak RSS {r['rss_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
