"""Load and concurrency on PostgreSQL: `make load` (or `.venv/bin/python -m bench.load`).

The app runs under gunicorn (several workers, 127.0.0.1 only) on a fresh PostgreSQL schema
(LOAD_DATABASE_URL, default the alumni_h3 database). For LOAD_SECONDS (60) LOAD_USERS (200)
simulated members, each a thread with a stop time and a think time, browse the event list and
event pages and RSVP to a small event (capacity 20) through the API: yes, cancel, answer again
(yes, maybe or no). Meanwhile the driver queues mail into the outbox (as invitations do) and
`flask mail deliver` drains it to a local SMTP sink that records every Message-ID.

A monitor reads one snapshot every 0.2 s: seats taken never above capacity, never a free seat
while someone waits (the waitlist is served in order the moment a seat frees). Afterwards it
checks: zero 5xx and no dropped connection; yes ≤ capacity; no free seat with a waitlist; the
waitlist's numbers distinct; every queued mail sent exactly once (by Message-ID at the sink). It prints p50/p95 latency per kind of request and the throughput, and
exits non-zero if an invariant failed.
"""
from __future__ import annotations

import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

from bench.common import ROOT, make_app

DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/alumni_h3")
USERS = int(os.environ.get("LOAD_USERS", "200"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
THREADS = int(os.environ.get("LOAD_THREADS", "4"))
CAPACITY = 20
THINK = (0.3, 1.5)  # seconds between a user's actions
MAILS_PER_SECOND = 20
HOST = "127.0.0.1"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def check_local(url: str) -> None:
    host = urlsplit(url.replace("+psycopg", "")).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"refusing to load anything but 127.0.0.1 (database host {host})")
    if not url.startswith("postgresql"):
        sys.exit("the load test runs on PostgreSQL: set LOAD_DATABASE_URL=postgresql+psycopg://…@127.0.0.1/…")


# ---------------------------------------------------------------------------------------- set-up
def build_world() -> dict:
    """A fresh schema; USERS members with API tokens; a small event and a few large ones."""
    app = make_app(DATABASE_URL)
    from alumni.extensions import db
    from alumni.services import accounts
    from tests.factories import make_chapter, make_event

    with app.app_context():
        make_chapter("IN", "India chapter", ("IN",))
        small = make_event("IN", capacity=CAPACITY, title="Small reunion (20 places)")
        others = [make_event("IN", title=f"Webinar {i}", capacity=None).id for i in range(8)]
        from alumni.services import members as msvc

        tokens = []
        for i in range(USERS):
            member = msvc.create_member({"email": f"load{i}@example.org", "given_name": "Load", "family_name": f"User{i}",
                                         "country": "IN", "preferred_language": "en"})
            db.session.flush()
            user = accounts.create_user(member.email, "member")
            tokens.append(accounts.issue_token(user))
        db.session.commit()
        world = {"small": small.id, "events": [small.id, *others], "tokens": tokens}
    return world


def queue_mail(engine_url: str, stop_at: float, queued: list) -> None:
    """What invitations and reminders do: rows into the outbox, a few every second."""
    app = make_app(engine_url, fresh=False)
    from alumni.extensions import db
    from alumni.services import outbox

    n = 0
    with app.app_context():
        while time.time() < stop_at:
            rows = [{"dedup_key": f"load:{n + i}", "kind": "load", "recipient": f"load{(n + i) % USERS}@example.org",
                     "subject": f"Load test message {n + i}", "text_body": "Hello", "mailing": "load"}
                    for i in range(MAILS_PER_SECOND)]
            q, _skipped = outbox.queue_many(rows)
            db.session.commit()
            queued.append(q)
            n += MAILS_PER_SECOND
            time.sleep(1)


SINK_CODE = r"""
import sys, time
from aiosmtpd.controller import Controller
path, port = sys.argv[1], int(sys.argv[2])
out = open(path, "a", buffering=1)
class Handler:
    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                out.write(line.split(":", 1)[1].strip() + "\n")
                break
        return "250 OK"
c = Controller(Handler(), hostname="127.0.0.1", port=port)
c.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"""


# ------------------------------------------------------------------------------------ the users
class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.errors: list[str] = []

    def call(self, session: requests.Session, label: str, method: str, url: str, **kw):
        start = time.perf_counter()
        try:
            r = session.request(method, url, timeout=30, **kw)
        except requests.RequestException as exc:
            with self.lock:
                self.errors.append(f"{label}: {exc}")
                self.statuses["conn-error"] += 1
            return None
        elapsed = (time.perf_counter() - start) * 1000
        with self.lock:
            self.samples[label].append(elapsed)
            self.statuses[r.status_code] += 1
            if r.status_code >= 500:
                self.errors.append(f"{label} {method} {url} → {r.status_code}: {r.text[:200]}")
        return r


def simulate_user(base: str, token: str, world: dict, stop_at: float, rec: Recorder, seed: int) -> None:
    rnd = random.Random(seed)
    s = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    small = world["small"]
    registration_id = None
    while time.time() < stop_at:
        roll = rnd.random()
        if roll < 0.35:
            rec.call(s, "GET /events", "GET", f"{base}/events")
        elif roll < 0.6:
            rec.call(s, "GET /events/{id}", "GET", f"{base}/events/{rnd.choice(world['events'])}")
        elif roll < 0.65:
            rec.call(s, "GET /api/v1/events", "GET", f"{base}/api/v1/events", headers=auth)
        elif roll < 0.8 or registration_id is None:
            response = "yes" if registration_id is None else rnd.choice(["yes", "yes", "maybe", "no"])
            r = rec.call(s, "POST rsvp", "POST", f"{base}/api/v1/events/{small}/registrations",
                         json={"response": response}, headers=auth)
            if r is not None and r.status_code in (200, 201):
                registration_id = r.json()["id"]
        else:
            rec.call(s, "PATCH cancel", "PATCH", f"{base}/api/v1/registrations/{registration_id}",
                     json={"status": "cancelled"}, headers=auth)
        time.sleep(rnd.uniform(*THINK))


def monitor(engine, event_id: int, stop: threading.Event, findings: dict) -> None:
    """One statement per sample, so both counts come from the same snapshot."""
    stmt = sa.text("SELECT count(*) FILTER (WHERE status = 'yes'), count(*) FILTER (WHERE status = 'waitlisted') "
                   "FROM registrations WHERE event_id = :e")
    with engine.connect() as conn:
        while not stop.is_set():
            yes, waiting = conn.execute(stmt, {"e": event_id}).one()
            conn.commit()
            findings["samples"] += 1
            findings["max_yes"] = max(findings["max_yes"], yes)
            if yes > CAPACITY:
                findings["over_capacity"] += 1
            if yes < CAPACITY and waiting:
                findings["seat_free_while_waiting"] += 1
            stop.wait(0.2)


# ------------------------------------------------------------------------------------------ main
def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")


def main() -> int:
    check_local(DATABASE_URL)
    print(f"== load: {USERS} users for {SECONDS:.0f} s, gunicorn {WORKERS} workers × {THREADS} threads, {DATABASE_URL}")
    world = build_world()
    port, smtp_port = free_port(), free_port()
    tmp = Path(tempfile.mkdtemp(prefix="alumni-load-"))
    received = tmp / "message-ids.txt"
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "ALUMNI_ENV": "production",
           "SECRET_KEY": secrets.token_hex(32), "MAIL_SERVER": HOST, "MAIL_PORT": str(smtp_port),
           "BASE_URL": f"http://{HOST}:{port}", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    venv_bin = Path(sys.executable).parent
    procs = []
    try:
        sink = subprocess.Popen([sys.executable, "-c", SINK_CODE, str(received), str(smtp_port)],
                                stdout=subprocess.PIPE, text=True)
        procs.append(sink)
        assert sink.stdout.readline().strip() == "ready"
        server = subprocess.Popen([str(venv_bin / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", str(WORKERS),
                                   "--threads", str(THREADS), "--log-level", "warning",
                                   # longer than a user's think time: a kept-alive connection is
                                   # not closed under a client that is about to reuse it
                                   "--keep-alive", "30", "wsgi:app"],
                                  env=env, cwd=ROOT)
        procs.append(server)
        base = f"http://{HOST}:{port}"
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not come up")
        mail_log = open(tmp / "mail-deliver.log", "w")  # noqa: SIM115 - held open while the worker runs
        mailer = subprocess.Popen([str(venv_bin / "flask"), "--app", "wsgi", "mail", "deliver", "--poll", "1"],
                                  env=env, cwd=ROOT, stdout=mail_log, stderr=subprocess.STDOUT)
        print(f"mail worker's output: {tmp / 'mail-deliver.log'}")
        procs.append(mailer)

        engine = sa.create_engine(DATABASE_URL)
        findings = Counter(max_yes=0)
        stop_monitor = threading.Event()
        rec = Recorder()
        start = time.time()
        stop_at = start + SECONDS
        queued: list[int] = []
        threads = [threading.Thread(target=monitor, args=(engine, world["small"], stop_monitor, findings)),
                   threading.Thread(target=queue_mail, args=(DATABASE_URL, stop_at, queued))]
        threads += [threading.Thread(target=simulate_user, args=(base, token, world, stop_at, rec, i))
                    for i, token in enumerate(world["tokens"])]
        for t in threads:
            t.start()
        for t in threads[1:]:
            t.join()
        elapsed = time.time() - start
        stop_monitor.set()
        threads[0].join()

        # Let the mail worker finish what is queued (it polls every second).
        drain_deadline = time.time() + 60
        with engine.connect() as conn:
            while time.time() < drain_deadline:
                left = conn.execute(sa.text("SELECT count(*) FROM outgoing_mail WHERE status = 'queued'")).scalar()
                conn.commit()
                if not left:
                    break
                time.sleep(0.5)
        time.sleep(1)
        return report(engine, world, rec, findings, elapsed, sum(queued), received)
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def report(engine, world, rec: Recorder, findings: Counter, elapsed: float, queued: int, received: Path) -> int:
    failures = []
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT status, waitlist_number FROM registrations WHERE event_id = :e"), {"e": world["small"]}).all()
        mail = conn.execute(sa.text("SELECT status, message_id FROM outgoing_mail")).all()
    by_status = Counter(status for status, _n in rows)
    waitlist = sorted(n for status, n in rows if status == "waitlisted")
    sink_ids = received.read_text().split() if received.exists() else []
    sent_ids = [mid for status, mid in mail if status == "sent"]
    five_xx = sum(n for code, n in rec.statuses.items() if isinstance(code, int) and code >= 500)

    if five_xx or rec.statuses.get("conn-error"):
        failures.append(f"{five_xx} answers 5xx, {rec.statuses.get('conn-error', 0)} connection errors: "
                        + "; ".join(rec.errors[:5]))
    if by_status["yes"] > CAPACITY or findings["over_capacity"]:
        failures.append(f"yes above capacity: final {by_status['yes']}, samples over {findings['over_capacity']}")
    if findings["seat_free_while_waiting"] or (by_status["yes"] < CAPACITY and waitlist):
        failures.append(f"a free seat while someone waited in {findings['seat_free_while_waiting']} samples")
    if len(set(waitlist)) != len(waitlist) or None in waitlist:
        failures.append(f"waitlist numbers not distinct: {waitlist}")
    if len(mail) != queued:
        failures.append(f"{queued} messages queued but {len(mail)} rows in the outbox")
    if any(status != "sent" for status, _ in mail):
        failures.append(f"mail not all sent: {Counter(s for s, _ in mail)}")
    duplicates = [mid for mid, n in Counter(sink_ids).items() if n > 1]
    if duplicates or sorted(sink_ids) != sorted(sent_ids):
        failures.append(f"mail: {len(sink_ids)} received, {len(set(sink_ids))} distinct, {len(sent_ids)} marked sent, "
                        f"{len(duplicates)} received twice")

    total = sum(len(v) for v in rec.samples.values())
    all_ms = [x for v in rec.samples.values() for x in v]
    print(f"\nrequests: {total} in {elapsed:.1f} s = {total / elapsed:.0f} req/s; statuses {dict(rec.statuses)}")
    print(f"latency all: p50 {percentile(all_ms, 50):.0f} ms, p95 {percentile(all_ms, 95):.0f} ms")
    for label, values in sorted(rec.samples.items()):
        print(f"  {label:<22} n={len(values):>6}  p50 {percentile(values, 50):6.0f} ms  p95 {percentile(values, 95):6.0f} ms"
              f"  mean {statistics.fmean(values):6.0f} ms")
    print(f"small event: {dict(by_status)} (capacity {CAPACITY}); monitor samples {findings['samples']}, "
          f"max yes seen {findings['max_yes']}")
    print(f"mail: queued {queued}, sent {len(sent_ids)}, received at the sink {len(sink_ids)} "
          f"({len(set(sink_ids))} distinct)")
    if failures:
        print("\nINVARIANTS FAILED:\n- " + "\n- ".join(failures))
        return 1
    print("\ninvariants hold: zero 5xx; yes never above capacity; no free seat while someone waited; "
          "waitlist numbers distinct; every queued mail sent once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
