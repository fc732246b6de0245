"""Does a password-reset request for a registered address hold the connection longer than one
for an unknown address? Measured as the red team did (issue 23, item 4): the app served by
gunicorn (one process, one gthread thread, keep-alive), mail to an SMTP sink in its own process,
`flask mail deliver` running beside it; a client on ONE kept-alive connection posts /reset and
times the NEXT request on that connection (GET /healthz): whatever the reset left to do after its
response (mail sent "after the page") delays it. Pairs are interleaved (registered, unknown).

    .venv/bin/python -m bench.reset_keepalive [--pairs 20] [--database-url URL] [--no-worker]
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.common import ROOT, make_app, smtp_sink, sqlite_url, start_gunicorn

HOST = "127.0.0.1"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def measure(url: str, pairs: int, run_worker: bool = True) -> dict:
    app = make_app(url)
    with app.app_context():
        from alumni.extensions import db
        from tests.factories import make_account

        make_account("registered@example.org")
        db.session.commit()
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="alumni-reset-"))
    with smtp_sink() as (smtp_port, received):
        env = {**os.environ, "DATABASE_URL": url, "ALUMNI_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
               "MAIL_SERVER": HOST, "MAIL_PORT": str(smtp_port), "BASE_URL": f"http://{HOST}:{port}",
               "SESSION_COOKIE_SECURE": "0", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
               "RESET_LIMIT_PER_ACCOUNT": "100000 per hour", "RESET_LIMIT_PER_ADDRESS": "100000 per hour"}
        venv_bin = Path(sys.executable).parent
        procs = [start_gunicorn(env, port, host=HOST)]
        if run_worker:
            log = open(tmp / "mail-deliver.log", "w")  # noqa: SIM115 - held while the worker runs
            procs.append(subprocess.Popen([str(venv_bin / "flask"), "--app", "wsgi", "mail", "deliver", "--poll", "1"],
                                          env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))
        try:
            base = f"http://{HOST}:{port}"
            session = requests.Session()  # one kept-alive connection for the whole run
            token = TOKEN.search(session.get(f"{base}/reset").text).group(1)

            def pair(email: str) -> tuple[float, float]:
                started = time.perf_counter()
                r = session.post(f"{base}/reset", data={"email": email, "csrf_token": token})
                reset_ms = (time.perf_counter() - started) * 1000
                assert r.status_code == 200, r.status_code
                started = time.perf_counter()
                r = session.get(f"{base}/healthz")
                next_ms = (time.perf_counter() - started) * 1000
                assert r.status_code == 200, r.status_code
                time.sleep(0.3)  # let the worker (if any) finish, as an attacker pacing requests would
                return reset_ms, next_ms

            for _ in range(3):  # warm-up
                pair("registered@example.org"), pair("unknown@example.org")
            registered, unknown = [], []
            for _ in range(pairs):
                registered.append(pair("registered@example.org"))
                unknown.append(pair("unknown@example.org"))
            time.sleep(3 if run_worker else 0.5)  # the worker polls every second
            mails = received.value
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(10)
    reg_next = [n for _r, n in registered]
    unk_next = [n for _r, n in unknown]
    return {"pairs": pairs, "mails": mails,
            "reset_registered": statistics.median(r for r, _n in registered),
            "reset_unknown": statistics.median(r for r, _n in unknown),
            "next_registered": statistics.median(reg_next), "next_unknown": statistics.median(unk_next),
            "next_registered_range": (min(reg_next), max(reg_next)),
            "next_unknown_range": (min(unk_next), max(unk_next)),
            # how many pairs the registered address's next request was the slower one
            "registered_slower": sum(r > u for r, u in zip(reg_next, unk_next, strict=True))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--database-url", default=sqlite_url("reset-keepalive"))
    parser.add_argument("--no-worker", action="store_true", help="do not run `flask mail deliver` beside it")
    args = parser.parse_args()
    r = measure(args.database_url, args.pairs, run_worker=not args.no_worker)
    print(f"{r['pairs']} interleaved pairs, medians (min-max) in ms; {r['mails']} mails reached the sink")
    print(f"  POST /reset             registered {r['reset_registered']:6.2f}   unknown {r['reset_unknown']:6.2f}")
    print(f"  next request (same conn) registered {r['next_registered']:6.2f} "
          f"({r['next_registered_range'][0]:.2f}-{r['next_registered_range'][1]:.2f})   unknown {r['next_unknown']:6.2f} "
          f"({r['next_unknown_range'][0]:.2f}-{r['next_unknown_range'][1]:.2f})")
    print(f"  pairs where the registered address's next request was slower: {r['registered_slower']} of {r['pairs']}")


if __name__ == "__main__":
    main()
