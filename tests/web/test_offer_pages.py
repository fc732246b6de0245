"""Waitlist offers on the event page (issue 22): the offer and its deadline in the member's zone
and language, one button to take it, and declining asks first."""
from datetime import UTC, datetime

from sqlalchemy import select

from alumni.extensions import db
from alumni.models import AuditEntry, Registration, RegistrationStatus
from alumni.services import registrations as rsvc
from tests.factories import PASSWORD, login, make_event, make_member, make_user


def offered(client, *, language="en", timezone="Asia/Tokyo"):
    """A member (in `timezone`) logged in, first on the waitlist of a full event with offers, and
    offered the seat that frees, with a fixed deadline: 2030-01-17 09:00 UTC."""
    event = make_event(capacity=1, offer_hours=24)
    seated = rsvc.respond(event, make_member(), "yes").registration
    member = make_member(preferred_language=language, timezone=timezone)
    reg = rsvc.respond(event, member, "yes").registration
    behind = rsvc.respond(event, make_member(), "yes").registration
    rsvc.withdraw(seated)
    reg.offer_expires_at = datetime(2030, 1, 17, 9, 0, tzinfo=UTC)
    db.session.commit()
    login(client, make_user("member", member=member, password=PASSWORD))
    return event, reg, behind


def test_the_page_shows_the_offer_with_its_deadline_in_the_members_zone(client):
    event, _reg, _behind = offered(client)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    offer = page.split('class="offer"')[1].split("</div>")[0]
    # 09:00 UTC is 18:00 in Tokyo, the member's zone (the event is in India: 14:30 there).
    assert "offered to you until" in offer and "6:00\u202fPM" in offer and "Japan" in offer
    assert "2:30\u202fPM" not in offer
    assert "Take the seat" in offer and "Decline the seat" in offer


def test_the_deadline_is_written_in_the_members_language(client):
    event, _reg, _behind = offered(client, language="ja")
    page = client.get(f"/events/{event.id}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    offer = page.split('class="offer"')[1].split("</div>")[0]
    assert "18:00" in offer and "日本" in offer


def test_one_click_takes_the_offered_seat(client):
    event, reg, _behind = offered(client)
    reg.offer_expires_at = datetime(2099, 1, 1, tzinfo=UTC)
    db.session.commit()
    answer = client.post(f"/events/{event.id}/take-offer", follow_redirects=True)
    assert "The seat is yours" in answer.get_data(as_text=True)
    db.session.refresh(reg)
    assert reg.status == RegistrationStatus.yes


def test_declining_asks_first_then_passes_the_seat_on(client):
    event, reg, behind = offered(client)
    asked = client.post(f"/events/{event.id}/decline-offer")
    assert asked.status_code == 200 and "Decline the offered seat?" in asked.get_data(as_text=True)
    db.session.refresh(reg)
    assert rsvc.offer_open(reg)  # nothing happened yet
    client.post(f"/events/{event.id}/decline-offer", data={"confirmed": "1"})
    db.session.refresh(reg)
    db.session.refresh(behind)
    assert reg.status == RegistrationStatus.cancelled and rsvc.offer_open(behind)
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.subject_id == reg.id, AuditEntry.action == "registration.offer_declined")) is not None


def test_an_expired_offer_is_refused_with_a_message_not_an_error(client):
    event, reg, _behind = offered(client)
    reg.offer_expires_at = datetime(2000, 1, 1, tzinfo=UTC)
    db.session.commit()
    answer = client.post(f"/events/{event.id}/take-offer", follow_redirects=True)
    assert answer.status_code == 200 and "This offer has expired" in answer.get_data(as_text=True)
    assert db.session.get(Registration, reg.id).status == RegistrationStatus.waitlisted
