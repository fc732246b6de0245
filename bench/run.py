"""make bench: every figure the issues set a target for, on SQLite and on PostgreSQL, each with
its floor measured in the same run, written as a Markdown table into docs/performance.md.

    .venv/bin/python -m bench.run [--only sqlite|postgresql] [--runs N] [--skip-import] [--no-readme]

Floors: page throughput ← Flask "hello world" under the same gunicorn; report latency ← the
report's own SQL replayed through the bare driver; delivery ← a bare smtplib loop.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date

import sqlalchemy as sa

from bench.common import ROOT, sqlite_url

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
README = ROOT / "docs" / "performance.md"  # where the table lives (the README links it)
MEMBER = ("bench-member@example.org", "bench member passphrase")
REPORT_RUNS = 31  # timed calls of each report (after replay_sql_ms's warm-up), and replays of its SQL
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def pg_database(name: str) -> str:
    """A PostgreSQL database of our own for the benchmark (made if missing)."""
    engine = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{PG_SERVER}/{name}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_database(kind: str, main_url: str, scratch_url: str, csv_path: str, runs: int,
                   skip_import: bool = False) -> dict:
    from bench.calendar_bench import bench_calendar
    from bench.import_bench import run_import_bench
    from bench.mail_bench import bench_delivery
    from bench.pages import bench_pages, replay_sql_ms, wsgi_get
    from bench.reports_bench import STAFF_EMAIL, ensure_outcomes

    fig: dict = {}
    log(f"{kind}: import and re-import of the 43,000-member file, {runs} runs")
    imports = [] if skip_import else [run_import_bench(main_url, csv_path) for _ in range(runs)]
    if not imports:  # a rerun of the other figures on the data a previous run imported
        imports = [{"import_s": float("nan"), "reimport_s": float("nan"), "peak_rss_mb": 0,
                    "export_then_import": "(skipped)"}]
    rows = _count_lines(csv_path) - 1 if not skip_import else 1
    fig["import_s"] = statistics.median(r["import_s"] for r in imports)
    fig["reimport_s"] = statistics.median(r["reimport_s"] for r in imports)
    fig["import_rows_s"] = rows / fig["import_s"]
    fig["reimport_rows_s"] = rows / fig["reimport_s"]
    fig["import_peak_mb"] = max(r["peak_rss_mb"] for r in imports)
    fig["roundtrip"] = imports[-1]["export_then_import"]

    log(f"{kind}: career entries and returns, then the reports")
    ensure_outcomes(main_url)
    from alumni import create_app
    from alumni.extensions import db
    from alumni.services.accounts import create_user, find_user_by_email, issue_token
    from alumni.services.demo_events import load_demo_events

    app = create_app({"SQLALCHEMY_DATABASE_URI": main_url, "TESTING": False})
    with app.app_context():
        user = find_user_by_email(STAFF_EMAIL) or create_user(STAFF_EMAIL, "staff")
        if find_user_by_email(MEMBER[0]) is None:
            create_user(MEMBER[0], "member", password=MEMBER[1])
        token = issue_token(user)
        staff_session_id = user.get_id()
        from alumni.services.chapters import create_chapter
        from alumni.services.demo import CHAPTERS

        for code, name, countries in CHAPTERS:
            create_chapter(code, name, countries)
        load_demo_events()
        db.session.commit()
        event_id = db.session.scalar(sa.text("SELECT id FROM events ORDER BY starts_at DESC LIMIT 1"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for name, path in (("returnees", "/api/v1/reports/returnees?as=research"),
                       ("dispatches", "/api/v1/reports/dispatches?direction=outbound")):
        fig[f"{name}_ms"], fig[f"{name}_sql_ms"] = replay_sql_ms(app, wsgi_get(app, path, headers),
                                                                 runs=REPORT_RUNS)
    with client.session_transaction() as session:
        session["_user_id"] = staff_session_id
        session["_fresh"] = True
    from bench.common import median_ms

    fig["overview_ms"] = median_ms(lambda: client.get("/staff/"), runs=5)
    fig["directory_ms"] = median_ms(lambda: client.get("/directory?q=sharma"), runs=7)
    fig["directory_cohort_ms"] = median_ms(lambda: client.get("/directory?cohort=2019&country=IN"), runs=5)

    log(f"{kind}: pages under gunicorn against hello world")
    fig.update(bench_pages(main_url, event_id, member=MEMBER))

    log(f"{kind}: a 1,000-event calendar feed")
    fig.update(bench_calendar(scratch_url, 1000))

    from bench.invitations_bench import bench as bench_invitations

    log(f"{kind}: queuing 10,000 invitations in 10 languages (43,000 members)")
    fig["invitations_s"] = bench_invitations(scratch_url, deliver=False)["queue_s"]

    from bench.rounds_bench import bench as bench_rounds

    log(f"{kind}: an update round to 10,000 members in 10 languages (43,000 members)")
    fig["rounds_s"] = bench_rounds(scratch_url)["queue_s"]

    if kind == "PostgreSQL":
        from bench.duplicates_bench import bench as bench_duplicates

        log(f"{kind}: duplicate finder, 43,000 members + 500 planted duplicates")
        dupes = bench_duplicates(pg_database("alumni_bench_dupes"), None if skip_import else csv_path)
        fig.update({k: v for k, v in dupes.items() if not isinstance(v, dict)})

    log(f"{kind}: SMTP delivery against bare smtplib")
    mail = bench_delivery(scratch_url, 2000)
    fig["delivery_per_s"], fig["delivery_floor_per_s"] = mail["per_second"], mail["floor_per_second"]
    fig["delivery_runs"] = mail["runs"]
    return fig


ROWS = [
    # label, key, floor key, unit, target text, higher is better
    ("CSV import, 43,000 members (s)", "import_s", None, "s", "< 60 s"),
    ("  rows per second", "import_rows_s", None, "/s", ""),
    ("CSV re-import, all unchanged (s)", "reimport_s", None, "s", "< 30 s"),
    ("  rows per second", "reimport_rows_s", None, "/s", ""),
    ("import peak memory (MB)", "import_peak_mb", None, "MB", "< 500 MB"),
    ("returnee report, first page (ms)", "returnees_ms", "returnees_sql_ms", "ms", "< 150 ms; ≤ 3× its SQL"),
    ("dispatches report (ms)", "dispatches_ms", "dispatches_sql_ms", "ms", "< 150 ms; ≤ 3× its SQL"),
    ("staff overview page (ms)", "overview_ms", None, "ms", "< 300 ms"),
    ("directory search 'sharma' (ms)", "directory_ms", None, "ms", ""),
    ("directory cohort 2019 + IN (ms)", "directory_cohort_ms", None, "ms", ""),
    ("event page under gunicorn, anonymous (req/s)", "event_page_rps", "hello_rps", "/s", "≥ ¼ of hello world"),
    ("events list under gunicorn (req/s)", "events_list_rps", "hello_rps", "/s", "≥ ¼ of hello world"),
    ("event page, logged-in member (req/s)", "event_page_member_rps", "hello_rps", "/s", "¼ of hello world: missed (below)"),
    ("  a logged-in route that does nothing (req/s)", "logged_in_floor_rps", "hello_rps", "/s",
     "(what any logged-in request costs)"),
    ("  the member's page against that route (req/s)", "event_page_member_rps", "logged_in_floor_rps", "/s", ""),
    ("calendar feed, 1,000 events (ms)", "feed_ms", None, "ms", "< 1,000 ms"),
    ("one event .ics (ms)", "event_ms", None, "ms", "< 20 ms"),
    ("feed answered 304, repeated poll (ms)", "not_modified_ms", None, "ms", "< 5 ms"),
    ("  304 with the version read from the database (ms)", "not_modified_uncached_ms", None, "ms", "< 5 ms"),
    ("  304 of a member's private feed (ms)", "member_not_modified_ms", None, "ms", "< 5 ms"),
    ("queue 10,000 invitations, 10 languages (s)", "invitations_s", None, "s", "< 30 s"),
    ("queue an update round to 10,000 members (s)", "rounds_s", None, "s", "< 30 s"),
    ("duplicate finder, 43,000 + 500 planted (s)", "duplicates_s", None, "s", "< 60 s (PostgreSQL)"),
    ("  planted pairs found (share of the 500)", "duplicates_recall", None, "", "≥ 0.95"),
    ("  false pairs among those listed, top 600 (share)", "duplicates_false_top600", None, "", "≤ 0.05"),
    ("SMTP delivery to a local sink (msg/s)", "delivery_per_s", "delivery_floor_per_s", "/s", "≥ 100/s; ≥ ½ of bare smtplib"),
]


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def table(results: dict[str, dict]) -> str:
    kinds = list(results)
    head = "| figure | " + " | ".join(f"{k} | floor | ratio" for k in kinds) + " | target |"
    sep = "| --- |" + " ---: | ---: | ---: |" * len(kinds) + " --- |"
    lines = [head, sep]
    for label, key, floor_key, _unit, target in ROWS:
        cells = []
        for kind in kinds:
            fig = results[kind]
            value = fig.get(key)
            floor = fig.get(floor_key) if floor_key else None
            ratio = None
            if value is not None and floor:
                ratio = value / floor
            cells += [_fmt(value), _fmt(floor), f"{ratio:.2f}×" if ratio is not None else "—"]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    return "\n".join(lines)


def rounds(results: dict[str, dict]) -> str:
    """Each round of the paired figures (pages, delivery), so a reader sees the spread behind a
    median."""
    parts = []
    for kind, fig in results.items():
        pages = fig.get("page_runs", {})
        cells = " · ".join(f"{name}: {', '.join(f'{rate:,.0f}' for rate in pages.get(key, []))}"
                           for name, key in (("hello world", "hello_rps"), ("event page", "event_page_rps"),
                                             ("events list", "events_list_rps"),
                                             ("member's page", "event_page_member_rps"),
                                             ("logged-in route doing nothing", "logged_in_floor_rps")) if key in pages)
        mail = " / ".join(f"{a:,.0f} vs {b:,.0f}" for a, b in fig.get("delivery_runs", []))
        parts.append(f"{kind} — pages (req/s) {cells}; delivery (msg/s, app vs bare smtplib) {mail}")
    return "Rounds behind the medians: " + "; ".join(parts) + "."


def write_readme(markdown: str) -> None:
    text = README.read_text(encoding="utf-8")
    block = f"{START}\n{markdown}\n{END}"
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=3, help="runs of the import (other figures: more)")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--skip-import", action="store_true", help="reuse the data a previous run imported")
    args = parser.parse_args()
    started = time.perf_counter()
    from bench.make_dataset import write_members_csv

    csv_path = os.path.join(tempfile.mkdtemp(), "members.csv")
    if not args.skip_import:
        log("writing the deterministic 43,000-member CSV")
        write_members_csv(csv_path, 43_000)
    targets = {"SQLite": (sqlite_url("main"), sqlite_url("scratch")),
               "PostgreSQL": (pg_database("alumni_bench"), pg_database("alumni_bench_scratch"))}
    if args.only:
        targets = {k: v for k, v in targets.items() if k.lower() == args.only}
    results = {kind: bench_database(kind, main, scratch, csv_path, args.runs, args.skip_import)
               for kind, (main, scratch) in targets.items()}
    minutes = (time.perf_counter() - started) / 60
    client = next(iter(results.values())).get("client", "?")
    markdown = (f"Measured by `make bench` on {date.today().isoformat()}, {platform.machine()}, "
                f"{os.cpu_count()} cores, Python {platform.python_version()}; whole run {minutes:.1f} min; "
                f"load generator for pages: {client}. Each figure a median: import {args.runs} runs; reports and "
                f"their SQL {REPORT_RUNS} turns each; pages 3 rounds of 5 s, in turns with hello world; delivery 3 "
                f"rounds of 2,000 messages, in turns with bare smtplib; invitations 3 events; feeds 5 to 41 calls.\n\n"
                + table(results)
                + "\n\n" + rounds(results)
                + "\n\nExport → import of the same 43,000 members (must change nothing): "
                + "; ".join(f"{kind} `{fig['roundtrip']}`" for kind, fig in results.items()) + ".")
    print(markdown)
    if not args.no_readme:
        write_readme(markdown)


def _count_lines(path) -> int:
    with open(path, encoding="utf-8-sig") as fh:
        return sum(1 for _ in fh)


if __name__ == "__main__":
    main()
