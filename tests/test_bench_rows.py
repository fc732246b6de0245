"""The benchmarks queue mail the way the product does: their rows must still be rows the outbox
takes (a required column added to the outbox once stopped `make bench` halfway, unnoticed)."""
from __future__ import annotations

from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import OutgoingMail
from alumni.services import outbox
from bench.mail_bench import _rows


def test_the_delivery_benchmarks_rows_are_taken_by_the_outbox(app):
    queued, skipped = outbox.queue_many(_rows(10))
    db.session.commit()
    assert (queued, skipped) == (10, 0)
    assert db.session.scalar(select(func.count(OutgoingMail.id)).where(OutgoingMail.mailing == "bench")) == 10
