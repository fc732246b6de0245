"""Page throughput under gunicorn (the app's event page and events list) against its floor, a
Flask "hello world" served the same way; and the report SQL replayed through the bare driver."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving `target` on 127.0.0.1 with `workers` sync workers, stopped on exit."""

    def __init__(self, target: str, database_url: str | None = None, workers: int = 2):
        self.port = _free_port()
        # Production settings, but cookies over plain HTTP: the rig has no TLS in front.
        env = {**os.environ, "ALUMNI_ENV": "production", "SECRET_KEY": "bench-only-secret", "LOG_LEVEL": "WARNING",
               "SESSION_COOKIE_SECURE": "0"}
        if database_url:
            env["DATABASE_URL"] = database_url
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", target], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/healthz" if database_url else self.url + "/", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.proc.stderr.read().decode()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


#: What the load generator says it is, at login and on every request after: a member's browser
#: keeps one User-Agent, and Flask-Login ties the session to it (a different one marks the
#: session not fresh, rewriting the cookie on every request).
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) alumni-bench"


def login_cookie(base: str, email: str, password: str, then: str = "/") -> str:
    """The session cookie of a member logged in through the real login form (CSRF included),
    as their browser holds it after opening `then`: the state every later request starts from
    (checked: the next request with it sets no new cookie)."""
    import http.cookiejar
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    opener.open(base + "/login", data=data)
    opener.open(base + then).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(base + then, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(check) as response:
        if response.headers.get("Set-Cookie"):
            raise RuntimeError(f"{then}: a logged-in request with the browser's cookie sets a new one")
    return cookie


def requests_per_second(url: str, seconds: float = 5.0, connections: int = 8,
                        cookie: str | None = None) -> tuple[float, str]:
    """Throughput against `url`: wrk where installed, else a threaded keep-alive Python client
    (a slower client: the same one measures the floor, so the ratio stays fair)."""
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    for _ in range(20):  # warm every worker up (imports, templates, catalogues, connections)
        request = urllib.request.Request(url, headers=headers)
        urllib.request.urlopen(request, timeout=10).read()
    wrk = shutil.which("wrk")
    if wrk:
        extra = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
        out = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds:.0f}s", *extra, url],
                             capture_output=True, text=True, check=True).stdout
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if non2xx:
            raise RuntimeError(f"{url}: {non2xx.group(1)} error responses")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "wrk"
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    stop = time.perf_counter() + seconds
    counts = [0] * connections

    def worker(i):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        while time.perf_counter() < stop:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds, "python"


def bench_pages(database_url: str, event_id: int, seconds: float = 5.0,
                member: tuple[str, str] | None = None, rounds: int = 3) -> dict:
    """Anonymous visitors (the page cache answers them) and, with `member` (email, password),
    a logged-in member, whose pages are always rendered fresh — with a second floor for them: a
    route of the same app that only loads the member (bench/logged_in.py). The floors and the
    pages run in turns, `rounds` times (hello world, event page, events list, member's page, …),
    each figure the median of its rounds: both servers stay up, and each figure sees the machine
    in the same moments as its floor."""
    with Gunicorn("bench.hello:app") as hello, Gunicorn("bench.logged_in:app", database_url) as app:
        page = f"/events/{event_id}"
        targets = {"hello_rps": (hello.url + "/", None), "event_page_rps": (app.url + page, None),
                   "events_list_rps": (app.url + "/events", None)}
        if member:
            cookie = login_cookie(app.url, *member, then=page)
            targets["event_page_member_rps"] = (app.url + page, cookie)
            targets["logged_in_floor_rps"] = (app.url + "/bench/whoami", cookie)
        runs: dict[str, list[float]] = {name: [] for name in targets}
        client = "?"
        for _ in range(rounds):
            for name, (url, cookie) in targets.items():
                rate, client = requests_per_second(url, seconds, cookie=cookie)
                runs[name].append(rate)
    return {"client": client, **{name: statistics.median(rates) for name, rates in runs.items()},
            "page_runs": runs}


def wsgi_get(app, path: str, headers: dict | None = None):
    """A GET of `path` (query string included) made the way a WSGI server makes it: one call of
    the application with an environ built once — not the test client, whose own request
    building and response wrapping no server has. Fails unless the answer is 200."""
    import io

    from werkzeug.test import EnvironBuilder

    url_path, _sep, query = path.partition("?")
    environ = EnvironBuilder(path=url_path, query_string=query, headers=headers or {}).get_environ()

    def call() -> None:
        status: list[str] = []
        response = app({**environ, "wsgi.input": io.BytesIO()}, lambda s, _headers, _exc=None: status.append(s))
        try:
            b"".join(response)
        finally:
            getattr(response, "close", lambda: None)()
        if not status[0].startswith("200"):
            raise RuntimeError(f"{path}: {status[0]}")

    return call


def replay_sql_ms(app, call, runs: int = 7, warmup: int = 20) -> tuple[float, float]:
    """(median ms of `call` through the app, median ms of the same SQL statements replayed through
    the bare DBAPI driver) — the report's floor is its own SQL without Flask or the ORM. Both are
    timed warm, as a server that has answered a few requests runs: the app after `warmup` calls
    (the first ones compile statements and fill caches), the SQL after one replay. The two are
    timed in turns (app, SQL, app, SQL, …), so that both medians see the machine in the same
    moments: timed one block after the other, a busy spell on a shared machine moved the ratio
    by 1× between two runs."""
    from sqlalchemy import event

    from alumni.extensions import db

    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    for _ in range(warmup):
        call()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    raw = engine.raw_connection()
    # No transaction held between turns (the app's reads run without one too); on SQLite the
    # driver begins none for reads anyway.
    autocommit = engine.dialect.name != "sqlite"
    if autocommit:
        raw.driver_connection.autocommit = True

    def replay() -> None:
        cursor = raw.cursor()
        for statement, parameters in captured:
            cursor.execute(statement, parameters)
            cursor.fetchall() if cursor.description else None
        cursor.close()

    def timed(function) -> float:
        started = time.perf_counter()
        function()
        return (time.perf_counter() - started) * 1000

    try:
        replay()  # its first round prepares what the driver prepares
        app_times, sql_times = [], []
        for _ in range(runs):
            app_times.append(timed(call))
            sql_times.append(timed(replay))
    finally:
        if autocommit:
            raw.driver_connection.autocommit = False
        raw.close()
    return statistics.median(app_times), statistics.median(sql_times)
