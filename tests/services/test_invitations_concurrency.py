"""Two organizers send the same invitation at the same moment (PostgreSQL): each member is
queued once, and neither request fails. Rendering is slowed down so that without the event row
lock both would find no keys and insert the same ones (a unique-key error for the second)."""
import threading
import time

import pytest
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import Event, OutgoingMail
from alumni.services import invitations as isvc
from tests.factories import make_event, make_member


@pytest.fixture
def postgresql_only(is_postgresql):
    if not is_postgresql:
        pytest.skip("needs PostgreSQL row locks (SELECT … FOR UPDATE); SQLite serialises writers itself")


@pytest.mark.postgresql_only
def test_simultaneous_sends_queue_each_invitation_once(app, postgresql_only, monkeypatch):
    event_id = make_event().id
    for _ in range(5):
        make_member()
    db.session.remove()
    real_render = isvc.render_rows

    def slow_render(*args, **kwargs):
        rows = real_render(*args, **kwargs)
        time.sleep(0.3)
        return rows

    monkeypatch.setattr(isvc, "render_rows", slow_render)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def send():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                event = db.session.get(Event, event_id)
                results.append(isvc.queue_invitations(event, isvc.clean_audience({})))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [(0, 5), (5, 0)]
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 5
