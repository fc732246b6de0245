"""Import benchmark: the whole 43,000-member file into an empty database, then again.

    python -m bench.import_bench --database-url sqlite:////tmp/bench.sqlite3
    python -m bench.import_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/alumni_h4

Runs the real command (`flask --app wsgi members import`) in a child process and reports wall
time and the child's peak resident memory. The database named is emptied first.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.make_dataset import write_members_csv

ROOT = Path(__file__).resolve().parent.parent


def _env(database_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "ALUMNI_ENV": "development", "FLASK_APP": "wsgi"}


def flask(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=_env(database_url), capture_output=True, text=True, check=True)


def reset_database(database_url: str) -> None:
    """An empty database at the current migration."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        engine = sa.create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    flask(database_url, "db", "upgrade")


def timed_import(database_url: str, csv_path: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = flask(database_url, "members", "import", csv_path)
    return time.perf_counter() - started, result.stdout.strip().splitlines()[-1]


def run_import_bench(database_url: str, csv_path: str | None = None, members: int = 43_000) -> dict:
    """Figures: import_s, reimport_s, peak_rss_mb (of the import processes), and their summaries."""
    if csv_path is None:
        csv_path = os.path.join(tempfile.mkdtemp(), "members.csv")
        write_members_csv(csv_path, members)
    reset_database(database_url)
    import_s, first = timed_import(database_url, csv_path)
    reimport_s, second = timed_import(database_url, csv_path)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # export → import must change nothing
    exported = os.path.join(tempfile.mkdtemp(), "export.csv")
    started = time.perf_counter()
    flask(database_url, "members", "export", exported)
    export_s = time.perf_counter() - started
    _seconds, roundtrip = timed_import(database_url, exported)
    return {"import_s": round(import_s, 1), "import_summary": first, "reimport_s": round(reimport_s, 1),
            "reimport_summary": second, "peak_rss_mb": round(peak_mb), "export_s": round(export_s, 1),
            "export_then_import": roundtrip}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--csv", help="an existing import file (default: make the 43,000-member one)")
    parser.add_argument("--members", type=int, default=43_000)
    args = parser.parse_args()
    figures = run_import_bench(args.database_url, args.csv, args.members)
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
