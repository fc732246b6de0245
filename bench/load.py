"""Load and concurrency on PostgreSQL: `make load` (or `.venv/bin/python -m bench.load`).

The app runs under gunicorn (several workers, 127.0.0.1 only) on a fresh PostgreSQL schema
(LOAD_DATABASE_URL, default the alumni_h3 database). For LOAD_SECONDS (60) LOAD_USERS (200)
simulated members, each a thread with a stop time and a think time, browse the event list and
event pages and RSVP to a small event (capacity 20) through the API: yes, cancel, answer again
(yes, maybe or no). Meanwhile the driver queues mail into the outbox (as invitations do) and
LOAD_MAIL_WORKERS (2) `flask mail deliver` workers drain it to a local SMTP sink (10 ms a message)
that records every Message-ID.

The failure drill (issue 23) runs during the load: at 30 % and 65 % of the run every database
connection of the app (gunicorn's and the mail workers', not the driver's) is ended with
pg_terminate_backend; at 45 % one mail worker is killed with SIGKILL while it holds claimed
messages (LOAD_DRILL=0 turns the drill off).

A monitor reads one snapshot every 0.2 s: seats taken never above capacity, never a free seat
while someone waits (the waitlist is served in order the moment a seat frees). Afterwards it
checks: no 5xx and no dropped connection except on requests in flight at a termination or the
first one started after it; yes ≤ capacity; no free seat with a waitlist; the waitlist's numbers
distinct; every queued mail sent, and received at the sink under its stored Message-ID (at least
once: a re-send after a kill or a lost connection carries the same Message-ID; the duplicates are
counted); the killed worker's claimed messages delivered within 60 s of the kill. It prints p50/p95 latency per kind of request and the throughput, and
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

from bench.common import ROOT, make_app, start_gunicorn

DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/alumni_h3")
USERS = int(os.environ.get("LOAD_USERS", "200"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
THREADS = int(os.environ.get("LOAD_THREADS", "4"))
MAIL_WORKERS = int(os.environ.get("LOAD_MAIL_WORKERS", "2"))
DRILL = os.environ.get("LOAD_DRILL", "1") != "0"
#: The driver's own connections (monitor, queuing) are left alone by the terminations.
DRIVER = {"connect_args": {"application_name": "load-driver"}}
TERMINATE_AT = (0.30, 0.65)
KILL_AT = 0.45
KILLED_WITHIN = 60.0
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
    app = make_app(DATABASE_URL, SQLALCHEMY_ENGINE_OPTIONS=DRIVER)
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
    app = make_app(engine_url, fresh=False, SQLALCHEMY_ENGINE_OPTIONS=DRIVER)
    from alumni.extensions import db
    from alumni.services import outbox

    n = 0
    with app.app_context():
        while time.time() < stop_at:
            rows = [{"dedup_key": f"load:{n + i}", "kind": "load", "recipient": f"load{(n + i) % USERS}@example.org",
                     "subject": f"Load test message {n + i}", "text_body": "Hello", "mailing": "load",
                     "purpose": "invitation"}
                    for i in range(MAILS_PER_SECOND)]
            q, _skipped = outbox.queue_many(rows)
            db.session.commit()
            queued.append(q)
            n += MAILS_PER_SECOND
            time.sleep(1)


SINK_CODE = r"""
import asyncio, sys, time
from aiosmtpd.controller import Controller
path, port = sys.argv[1], int(sys.argv[2])
out = open(path, "a", buffering=1)
class Handler:
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.01)  # a real relay takes a while: batches last long enough to be cut
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
        #: (started, ended, status or "conn-error", label) of every request, for the drill's check.
        self.timeline: list[tuple[float, float, object, str]] = []

    def call(self, session: requests.Session, label: str, method: str, url: str, **kw):
        start = time.perf_counter()
        started = time.time()
        try:
            r = session.request(method, url, timeout=30, **kw)
        except requests.RequestException as exc:
            with self.lock:
                self.errors.append(f"{label}: {exc}")
                self.statuses["conn-error"] += 1
                self.timeline.append((started, time.time(), "conn-error", label))
            return None
        elapsed = (time.perf_counter() - start) * 1000
        with self.lock:
            self.samples[label].append(elapsed)
            self.statuses[r.status_code] += 1
            self.timeline.append((started, time.time(), r.status_code, label))
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


# ------------------------------------------------------------------------------------ the drill
TERMINATE_SQL = sa.text(  # the function in the select list: it runs only for the rows chosen
    "SELECT pid FROM (SELECT pid, pg_terminate_backend(pid) AS ended FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
    "AND application_name <> 'load-driver') AS app WHERE ended")
STILL_THERE = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
CLAIMED_BY = sa.text("SELECT id FROM outgoing_mail WHERE status = 'queued' AND claimed_by LIKE :name")


def drill(engine, start: float, victim: subprocess.Popen, findings: dict) -> None:
    """End the app's database connections twice and SIGKILL one mail worker while it holds claims."""
    plan = sorted([(start + f * SECONDS, "terminate") for f in TERMINATE_AT] + [(start + KILL_AT * SECONDS, "kill")])
    with engine.connect() as conn:
        for at, what in plan:
            time.sleep(max(0.0, at - time.time()))
            if what == "terminate":
                # The termination lasts from the signal to the moment the last backend has gone
                # (on a busy machine a backend may take a while to be scheduled and exit).
                issued = time.time()
                pids = list(conn.execute(TERMINATE_SQL).scalars())
                conn.commit()
                while conn.execute(STILL_THERE, {"pids": pids}).scalar():
                    conn.commit()
                    time.sleep(0.005)
                conn.commit()
                gone = time.time()
                findings["terminations"].append((issued, gone, len(pids)))
                print(f"drill: ended {len(pids)} database connections of the app at {issued - start:.1f} s "
                      f"(all gone {1000 * (gone - issued):.0f} ms later)", flush=True)
                continue
            name = {"name": f"mail:%:{victim.pid}:%"}
            before: list[int] = []
            deadline = time.time() + 15
            while time.time() < deadline and not before:  # wait for it to hold a batch
                before = list(conn.execute(CLAIMED_BY, name).scalars())
                conn.commit()
                if not before:
                    time.sleep(0.005)
            victim.send_signal(signal.SIGKILL)
            killed_at = time.time()
            victim.wait(10)
            after = list(conn.execute(CLAIMED_BY, name).scalars())
            conn.commit()
            findings["killed"] = {"at": killed_at, "seen_claimed": before, "left_claimed": after}
            print(f"drill: SIGKILL to mail worker {victim.pid} at {killed_at - start:.1f} s, holding "
                  f"{len(after)} claimed message(s) ({len(before)} seen claimed just before)", flush=True)


def drill_failures(rec: Recorder, findings: dict) -> tuple[list[str], dict]:
    """5xx and dropped connections, except on requests in flight at a termination or the first
    one started after it."""
    bad = [i for i, (_s, _e, st, _l) in enumerate(rec.timeline) if st == "conn-error" or st >= 500]
    excused = set()
    for issued, gone, _n in findings["terminations"]:
        in_flight = [i for i, (s, e, _st, _l) in enumerate(rec.timeline) if s <= gone and e >= issued]
        after = [(s, i) for i, (s, _e, _st, _l) in enumerate(rec.timeline) if s > gone]
        excused.update(in_flight)
        if after:
            excused.add(min(after)[1])
    unexcused = [rec.timeline[i] for i in bad if i not in excused]
    stats = {"bad": len(bad), "excused": len(bad) - len(unexcused)}

    def since(started: float) -> str:
        before = [gone for _i, gone, _n in findings["terminations"] if gone <= started]
        return f"{1000 * (started - max(before)):.0f} ms after a termination" if before else "before any termination"

    return ([f"{len(unexcused)} answers 5xx or dropped beyond the first request after a termination: "
             + "; ".join(f"{label} → {st} ({since(s)})" for s, _e, st, label in unexcused[:8])]
            if unexcused else []), stats


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
        procs.append(start_gunicorn(env, port, workers=WORKERS, threads=THREADS, timeout_s=20, host=HOST))
        base = f"http://{HOST}:{port}"
        mailers = []
        for i in range(MAIL_WORKERS):
            mail_log = open(tmp / f"mail-deliver-{i}.log", "w")  # noqa: SIM115 - held open while the worker runs
            mailers.append(subprocess.Popen([str(venv_bin / "flask"), "--app", "wsgi", "mail", "deliver", "--poll", "1"],
                                            env=env, cwd=ROOT, stdout=mail_log, stderr=subprocess.STDOUT))
        print(f"mail workers' output: {tmp}/mail-deliver-*.log")
        procs.extend(mailers)

        engine = sa.create_engine(DATABASE_URL, **DRIVER)
        findings: Counter = Counter(max_yes=0)
        findings["terminations"] = []
        stop_monitor = threading.Event()
        rec = Recorder()
        start = time.time()
        stop_at = start + SECONDS
        queued: list[int] = []
        threads = [threading.Thread(target=monitor, args=(engine, world["small"], stop_monitor, findings)),
                   threading.Thread(target=queue_mail, args=(DATABASE_URL, stop_at, queued))]
        threads += [threading.Thread(target=simulate_user, args=(base, token, world, stop_at, rec, i))
                    for i, token in enumerate(world["tokens"])]
        if DRILL:
            threads.append(threading.Thread(target=drill, args=(engine, start, mailers[0], findings)))
        for t in threads:
            t.start()
        for t in threads[1:]:
            t.join()
        elapsed = time.time() - start
        stop_monitor.set()
        threads[0].join()

        # Let the mail workers finish what is queued (they poll every second; a killed worker's
        # claims come free after the lease).
        drain_deadline = time.time() + 90
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
        # the load's own messages (RSVPs queue notices of their own, counted apart)
        mail = conn.execute(sa.text("SELECT status, message_id FROM outgoing_mail WHERE kind = 'load'")).all()
        others = conn.execute(sa.text("SELECT status, message_id FROM outgoing_mail WHERE kind <> 'load'")).all()
    by_status = Counter(status for status, _n in rows)
    waitlist = sorted(n for status, n in rows if status == "waitlisted")
    sink_ids = received.read_text().split() if received.exists() else []
    sent_ids = [mid for status, mid in [*mail, *others] if status == "sent"]
    five_xx = sum(n for code, n in rec.statuses.items() if isinstance(code, int) and code >= 500)

    if findings["terminations"]:
        drill_problems, drill_stats = drill_failures(rec, findings)
        failures.extend(drill_problems)
    elif five_xx or rec.statuses.get("conn-error"):
        drill_stats = None
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
    if any(status != "sent" for status, _ in [*mail, *others]):
        failures.append(f"mail not all sent: {Counter(s for s, _ in [*mail, *others])}")
    # At least once, under the stored Message-ID: a re-send (after a kill or a lost connection)
    # carries the same one, so the sink sees nothing it should not and misses nothing.
    duplicates = sum(n - 1 for n in Counter(sink_ids).values() if n > 1)
    if set(sink_ids) != set(sent_ids) or len(set(sent_ids)) != len(sent_ids):
        failures.append(f"mail: {len(sink_ids)} received, {len(set(sink_ids))} distinct, {len(sent_ids)} marked sent")
    killed = findings.get("killed")
    killed_line = ""
    if killed:
        ids = sorted(set(killed["seen_claimed"]) | set(killed["left_claimed"]))
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT status, sent_at FROM outgoing_mail WHERE id = ANY(:ids)"),
                                {"ids": ids}).all() if ids else []
        late = [r for r in rows if r.status != "sent" or r.sent_at.timestamp() - killed["at"] > KILLED_WITHIN]
        last = max((r.sent_at.timestamp() - killed["at"] for r in rows if r.sent_at), default=float("nan"))
        killed_line = (f"killed worker: {len(killed['left_claimed'])} message(s) claimed at the kill, "
                       f"{len(ids)} in all; the last of them sent {last:.1f} s after the kill")
        if not killed["left_claimed"]:
            failures.append("the kill caught the worker holding no claim: the drill proved nothing, run it again")
        if late:
            failures.append(f"{len(late)} of the killed worker's messages not sent within {KILLED_WITHIN:.0f} s")

    total = sum(len(v) for v in rec.samples.values())
    all_ms = [x for v in rec.samples.values() for x in v]
    print(f"\nrequests: {total} in {elapsed:.1f} s = {total / elapsed:.0f} req/s; statuses {dict(rec.statuses)}")
    print(f"latency all: p50 {percentile(all_ms, 50):.0f} ms, p95 {percentile(all_ms, 95):.0f} ms")
    for label, values in sorted(rec.samples.items()):
        print(f"  {label:<22} n={len(values):>6}  p50 {percentile(values, 50):6.0f} ms  p95 {percentile(values, 95):6.0f} ms"
              f"  mean {statistics.fmean(values):6.0f} ms")
    print(f"small event: {dict(by_status)} (capacity {CAPACITY}); monitor samples {findings['samples']}, "
          f"max yes seen {findings['max_yes']}")
    print(f"mail: queued {queued} (+ {len(others)} notices the RSVPs queued), sent {len(sent_ids)}, received at the sink {len(sink_ids)} "
          f"({len(set(sink_ids))} distinct Message-IDs, {duplicates} re-sent with the same Message-ID)")
    if findings["terminations"]:
        print(f"drill: terminations at {', '.join(f'{at - min(s for s, *_ in rec.timeline):.1f} s ({n} connections)' for at, _g, n in findings['terminations'])}; "
              f"5xx or dropped: {drill_stats['bad']}, all on requests in flight or the first after a termination: "
              f"{drill_stats['bad'] == drill_stats['excused']}")
    if killed_line:
        print(killed_line)
    if failures:
        print("\nINVARIANTS FAILED:\n- " + "\n- ".join(failures))
        return 1
    print("\ninvariants hold: no 5xx (beyond the first request after a termination); yes never above capacity; "
          "no free seat while someone waited; waitlist numbers distinct; every queued mail delivered under its "
          "Message-ID; the killed worker's messages within 60 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
