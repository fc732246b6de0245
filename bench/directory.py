"""Directory search at the seeds' scale (43,000 members): how long one page of results takes.

    .venv/bin/python -m bench.directory              # scratch SQLite under instance/
    BENCH_DATABASE_URL=postgresql+psycopg://…/db .venv/bin/python -m bench.directory

Loads the demo data set with 43,000 synthetic members the first time (a few minutes), then
times each query (median of 5 runs: the page of 25 rows plus its count).
"""
from __future__ import annotations

import os
import statistics
import time

from alumni import create_app
from alumni.config import INSTANCE

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "43000"))
QUERIES = {
    "everyone, page 1": {},
    "everyone, page 800": {"page": 800},
    "name 'sharma'": {"q": "sharma"},
    "name 'jose' (accent-insensitive)": {"q": "jose"},
    "country IN": {"country": "IN"},
    "programme SSP-B": {"programme": "SSP-B"},
    "cohort 2019": {"cohort": 2019},
    "cohort 2019 + country IN + name 'a'": {"cohort": 2019, "country": "IN", "q": "a"},
    "field 'chem'": {"field": "chem"},
}


class Viewer:
    """A logged-in alumnus (sees members- and public-visible entries)."""

    is_authenticated = True


def main() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from alumni.extensions import db
    from alumni.models import Member
    from alumni.services.demo import load_demo
    from alumni.services.directory import search_directory

    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{INSTANCE / 'bench-directory.sqlite3'}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
    with app.app_context():
        upgrade()
        if db.session.scalar(select(func.count(Member.id))) < MEMBERS:
            started = time.perf_counter()
            load_demo(MEMBERS)
            db.session.commit()
            print(f"loaded {MEMBERS} members in {time.perf_counter() - started:.0f} s")
        total = db.session.scalar(select(func.count(Member.id)))
        print(f"{db.engine.dialect.name}, {total} members")
        print(f"{'query':40} {'median ms':>10} {'found':>8}")
        for label, filters in QUERIES.items():
            timings, found = [], 0
            for _ in range(5):
                started = time.perf_counter()
                _entries, found = search_directory(Viewer(), per_page=25, **filters)
                timings.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            print(f"{label:40} {statistics.median(timings):10.1f} {found:8d}")


if __name__ == "__main__":
    main()
