"""Does "forgot your password" take longer for a registered address than for an unknown one?
(A difference would tell anyone which addresses have an account.) Time until the page is
ready — the response not yet closed, as the visitor sees it — for interleaved pairs of requests,
in process, with mail going to a real SMTP sink on loopback. (The request only stores the
address; `bench.reset_keepalive` measures what the red team measured, the next request on a
kept-alive connection, with the worker running.)

    .venv/bin/python -m bench.reset_timing [--pairs 61] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import time

from bench.common import make_app, sqlite_url


def bench_reset_timing(url: str, pairs: int = 61) -> dict:
    from tests.factories import make_account
    from tests.smtp import SmtpSink

    sink = SmtpSink()
    sink.start()
    try:
        app = make_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port,
                       RESET_LIMIT_PER_ACCOUNT="100000 per hour", RESET_LIMIT_PER_ADDRESS="100000 per hour",
                       PASSWORD_HASH_PARAMS={"time_cost": 1, "memory_cost": 1024, "parallelism": 1})
        with app.app_context():
            make_account("registered@example.org")
        client = app.test_client()

        def page_ms(email: str) -> float:
            started = time.perf_counter()
            response = client.post("/reset", data={"email": email}, buffered=False)
            elapsed = (time.perf_counter() - started) * 1000
            response.close()  # what the server does once the page is out (the worker sends the mail)
            # The SMTP sink is a thread of this process: let it finish with that mail, or its
            # work would slow the next request measured (no such overlap with a real server).
            time.sleep(0.02)
            return elapsed

        for _ in range(5):  # warm-up
            page_ms("registered@example.org"), page_ms("unknown@example.org")
        registered, unknown = [], []
        for _ in range(pairs):
            registered.append(page_ms("registered@example.org"))
            unknown.append(page_ms("unknown@example.org"))
        return {"registered_ms": statistics.median(registered), "unknown_ms": statistics.median(unknown),
                "mails": len(sink.received)}
    finally:
        sink.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=61)
    parser.add_argument("--database-url", default=sqlite_url("reset"))
    args = parser.parse_args()
    r = bench_reset_timing(args.database_url, args.pairs)
    print(f"reset page, median of {args.pairs} interleaved pairs: registered {r['registered_ms']:.2f} ms, "
          f"unknown {r['unknown_ms']:.2f} ms ({r['mails']} mails received)")


if __name__ == "__main__":
    main()
