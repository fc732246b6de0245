"""What the benchmark scripts share: an app on a chosen database with a fresh schema, timing,
peak memory, an SMTP sink in its own process."""
from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def sqlite_url(name: str = "bench") -> str:
    folder = Path(tempfile.gettempdir()) / "alumni-bench"
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / (name + '.sqlite3')}"


def reset_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(url: str, *, fresh: bool = True, **config):
    """The app on `url` with the schema migrated (dropped first when fresh)."""
    from flask_migrate import upgrade

    from alumni import create_app

    if fresh:
        reset_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, **config})
    with app.app_context():
        upgrade()
    return app


def median_ms(fn, runs: int = 7, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timer():
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def _sink_main(port: int, ready, counter) -> None:
    import asyncio  # noqa: F401

    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


@contextmanager
def smtp_sink():
    """An SMTP server that accepts everything, in a separate process (its own core)."""
    from tests.smtp import free_port

    port = free_port()
    ctx = multiprocessing.get_context("spawn")
    ready, counter = ctx.Event(), ctx.Value("i", 0)
    proc = ctx.Process(target=_sink_main, args=(port, ready, counter), daemon=True)
    proc.start()
    if not ready.wait(30):
        proc.kill()
        raise RuntimeError("SMTP sink did not start")
    try:
        yield port, counter
    finally:
        proc.kill()
        proc.join(5)


def pg_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)


def start_gunicorn(env: dict, port: int, *, workers: int = 1, threads: int = 1, timeout_s: float = 30,
                   host: str = "127.0.0.1") -> subprocess.Popen[bytes]:
    """gunicorn serving wsgi:app on host:port with `env`, once its /healthz answers 200.

    Keep-alive is longer than a user's think time, so a kept-alive connection is not closed under
    a client that is about to reuse it."""
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"{host}:{port}",
                               "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
                               "--keep-alive", "30", "--log-level", "warning", "wsgi:app"], env=env, cwd=root)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer /healthz on {host}:{port} within {timeout_s:.0f} s")
