"""Delivery from the outbox to a local SMTP sink (in its own process), against its floor: a bare
loop that renders the same MIME structure with the standard library and sends it with smtplib over
one connection — no database, no framework. MIME rendering is in both: every mail must be rendered."""


from __future__ import annotations

import argparse
import email.policy
import smtplib
import statistics
import time

from bench.common import make_app, pg_url, smtp_sink, sqlite_url


def _rows(n: int, round_: int = 0) -> list[dict]:
    """n messages as the outbox stores them (a new dedup key each round, or none would queue)."""
    languages = ["en", "ja", "zh-Hans", "hi", "id", "th", "vi", "fr", "es", "ar"]
    return [{"dedup_key": f"bench:{round_}:{i}", "kind": "invite", "recipient": f"alum{i}@example.org",
             "language": languages[i % 10], "subject": f"Invitation {i} — 招待状 — निमंत्रण",
             "text_body": "Dear alumnus,\n\nYou are invited.\n" * 10, "html_body": "<p>You are invited.</p>" * 10,
             "ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "ics_method": "REQUEST",
             "headers": {"List-Unsubscribe": "<http://127.0.0.1/u/x>",
                         "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
             "mailing": "bench", "purpose": "invitation"} for i in range(n)]


def _bare_mime(row: dict) -> bytes:
    from email import encoders
    from email.header import Header
    from email.mime.base import MIMEBase
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.utils import formatdate

    outer = MIMEMultipart("mixed")
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(row["text_body"], "plain", "utf-8"))
    alternative.attach(MIMEText(row["html_body"], "html", "utf-8"))
    outer.attach(alternative)
    part = MIMEBase("text", "calendar", method=row["ics_method"], charset="UTF-8")
    part.set_payload(row["ics"].encode())
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    outer.attach(part)
    outer["Subject"] = Header(row["subject"], "utf-8")
    outer["From"] = "Sakura Science Club <noreply@sakura-alumni.example>"
    outer["To"] = row["recipient"]
    outer["Date"] = formatdate(localtime=True)
    outer["Message-ID"] = f"<{row['dedup_key']}@bench>"
    for key, value in row["headers"].items():
        outer[key] = value
    return outer.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))


def bench_delivery(url: str, n: int = 2000, rounds: int = 3) -> dict:
    """Messages per second from the outbox to the sink, and the bare smtplib floor: `rounds`
    rounds of both in turns, each figure the median of its rounds."""
    from alumni.extensions import db
    from alumni.services import outbox

    runs: list[tuple[float, float]] = []
    with smtp_sink() as (port, _counter):
        app = make_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        for round_ in range(rounds):
            with app.app_context():
                outbox.queue_many(_rows(n, round_))
                db.session.commit()
                start = time.perf_counter()
                report = outbox.deliver_due("bench", batch_size=200)
                seconds = time.perf_counter() - start
                assert report.sent == n, report
            rows = _rows(n, round_)
            # The floor: a bare loop that renders the same MIME structure with the standard library
            # (text + HTML alternatives, a text/calendar attachment, the same headers) and hands it
            # to smtplib over one connection — no database, no framework.
            start = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                for row in rows:
                    smtp.sendmail("noreply@sakura-alumni.example", [row["recipient"]], _bare_mime(row))
            floor_seconds = time.perf_counter() - start
            runs.append((n / seconds, n / floor_seconds))
    per_second = statistics.median(app for app, _floor in runs)
    floor_per_second = statistics.median(floor for _app, floor in runs)
    return {"messages": n, "per_second": per_second, "floor_per_second": floor_per_second,
            "ratio": floor_per_second / per_second, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database-url", action="append")
    args = parser.parse_args()
    for url in args.database_url or [sqlite_url("mail"), pg_url()]:
        result = bench_delivery(url, args.messages)
        print(f"{url.split(':')[0]:10} delivery {result['per_second']:7.0f} msg/s  "
              f"floor (bare smtplib) {result['floor_per_second']:7.0f} msg/s  ratio {result['ratio']:.2f}x")


if __name__ == "__main__":
    main()
