"""Report benchmark: server time of the returnee and dispatch reports (first page) and of the
staff overview page, on a database holding the 43,000-member import.

    python -m bench.reports_bench --database-url sqlite:////tmp/bench.sqlite3
    python -m bench.reports_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/alumni_h4

Run bench.import_bench on the same database first. Career entries (≈ 100,000) and return
visits (≈ 4,000) are generated once (`--reload-outcomes` to redo). Each figure is the median of
several requests through the app (WSGI, in process), after one warm-up request.
"""
from __future__ import annotations

import argparse
import statistics
import time

import sqlalchemy as sa

from bench.make_dataset import load_outcomes

PASSWORD = "bench passphrase 2025"
STAFF_EMAIL = "bench-staff@example.org"


def ensure_outcomes(database_url: str, reload: bool = False) -> tuple[int, int]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        careers = conn.execute(sa.text("SELECT COUNT(*) FROM career_entries")).scalar()
        returns = conn.execute(sa.text("SELECT COUNT(*) FROM return_visits")).scalar()
    engine.dispose()
    if reload or careers < 50_000:
        return load_outcomes(database_url)
    return careers, returns


def _median_ms(call, runs: int) -> float:
    call()  # warm-up: connection, caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return round(statistics.median(times), 1)


def run_reports_bench(database_url: str, runs: int = 7, reload: bool = False) -> dict:
    from alumni import create_app
    from alumni.extensions import db
    from alumni.services.accounts import create_user, find_user_by_email, issue_token

    careers, returns = ensure_outcomes(database_url, reload)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        user = find_user_by_email(STAFF_EMAIL) or create_user(STAFF_EMAIL, "staff", password=PASSWORD)
        token = issue_token(user)
        user_id = user.get_id()
        db.session.commit()
        members = db.session.scalar(sa.text("SELECT COUNT(*) FROM members"))
        participations = db.session.scalar(sa.text("SELECT COUNT(*) FROM participations"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    with client.session_transaction() as session:  # signed in, whatever password the user was given
        session["_user_id"] = user_id
        session["_fresh"] = True
    figures = {"members": members, "participations": participations, "careers": careers, "returns": returns}
    for name, path in (
        ("returnees_research_ms", "/api/v1/reports/returnees?as=research"),
        ("returnees_study_filtered_ms", "/api/v1/reports/returnees?as=study&country=IN&fy_from=2016&fy_to=2022"),
        ("dispatches_ms", "/api/v1/reports/dispatches?direction=outbound"),
    ):
        figures[name] = _median_ms(lambda p=path: client.get(p, headers=headers), runs)
    figures["returnee_page_ms"] = _median_ms(lambda: client.get("/staff/returnees?as=research"), runs)
    figures["overview_page_ms"] = _median_ms(lambda: client.get("/staff/"), runs)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reload-outcomes", action="store_true")
    args = parser.parse_args()
    for key, value in run_reports_bench(args.database_url, args.runs, args.reload_outcomes).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
