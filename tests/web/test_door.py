"""Check-in at the door: the ticket link shows the event's organizers a check-in button, times
are in the event's zone and the reader's language, and the camera page falls back to the name
search."""
from datetime import UTC, datetime

import pytest

from alumni.errors import Conflict
from alumni.extensions import db
from alumni.services import registrations as rsvc
from tests.factories import PASSWORD, login, make_chapter, make_event, make_member, make_user


@pytest.fixture
def ticket():
    make_chapter("IN", "India chapter", ("IN",))
    event = make_event("IN", timezone="Asia/Kolkata", capacity=5)
    member = make_member(given_name="Hanako", family_name="Sato", native_name="佐藤 花子")
    reg = rsvc.respond(event, member, "yes").registration
    db.session.commit()
    return reg


def test_the_events_organizer_opening_a_ticket_link_checks_the_person_in(client, ticket):
    login(client, make_user("organizer", chapter="IN", password=PASSWORD))
    page = client.get(f"/tickets/{ticket.ticket_token}").get_data(as_text=True)
    main = page[page.index('<main id="main">'):]
    assert '<section class="ticket">' in main and '<section class="check-in-box"' in main
    assert "At the door" in page and f'action="/manage/check-in/{ticket.ticket_token}"' in page
    assert "Check in 佐藤 花子" in page
    r = client.post(f"/manage/check-in/{ticket.ticket_token}", follow_redirects=True)
    assert "is checked in" in r.get_data(as_text=True)
    page = client.get(f"/tickets/{ticket.ticket_token}").get_data(as_text=True)
    assert "Check in 佐藤 花子" not in page and "was checked in at" in page and "(India Time)" in page


@pytest.mark.parametrize("role", [None, "member", "other-organizer"])
def test_others_opening_the_ticket_link_see_the_ticket_only(client, ticket, role):
    if role == "member":
        login(client, make_user("member", password=PASSWORD))
    elif role == "other-organizer":
        make_chapter("KE", "Kenya chapter", ("KE",))
        login(client, make_user("organizer", chapter="KE", password=PASSWORD))
    r = client.get(f"/tickets/{ticket.ticket_token}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "佐藤 花子" in page
    assert "At the door" not in page and "/manage/check-in/" not in page.split("<svg")[0]
    assert client.get("/tickets/not-a-token").status_code == 404
    if role is not None:
        assert client.post(f"/manage/check-in/{ticket.ticket_token}").status_code == 403
    db.session.expire_all()
    assert db.session.get(type(ticket), ticket.id).checked_in_at is None


def test_already_checked_in_says_when_in_the_events_zone_and_the_readers_language(app, ticket):
    ticket.checked_in_at = datetime(2026, 11, 28, 7, 52, tzinfo=UTC)  # stored UTC: 13:22 in New Delhi
    db.session.commit()
    with app.test_request_context("/"):
        with pytest.raises(Conflict) as error:
            rsvc.check_in(ticket)
        message = error.value.message
        assert "Nov 28, 1:22" in message and "PM (India Time)" in message  # English writes 12-hour times
        assert "7:52" not in message and "11/28/26" not in message
    from alumni.i18n import force_locale

    with app.test_request_context("/"), force_locale("ja"):
        text = rsvc.checked_in_time(ticket)
        assert "11月28日 13:22" in text and "インド時間" in text
    assert ticket.checked_in_at.astimezone(UTC).hour == 7


def test_the_camera_page_offers_the_name_search_and_is_for_organizers(client, ticket):
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    login(client, organizer)
    r = client.get(f"/manage/events/{ticket.event_id}/scan")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "scan.js" in page and "<script>" not in page
    assert 'data-prefix="/manage/check-in/"' in page
    assert f'action="/manage/events/{ticket.event_id}/check-in"' in page  # the fallback
    check_in = client.get(f"/manage/events/{ticket.event_id}/check-in").get_data(as_text=True)
    assert f'href="/manage/events/{ticket.event_id}/scan"' in check_in
    client.post("/logout")
    login(client, make_user("member", password=PASSWORD))
    assert client.get(f"/manage/events/{ticket.event_id}/scan").status_code == 403


def test_a_ticket_scanned_for_another_event_is_flagged(client, ticket):
    login(client, make_user("organizer", chapter="IN", password=PASSWORD))
    other = make_event("IN", title="Forum")
    page = client.get(f"/manage/check-in/{ticket.ticket_token}?for={other.id}").get_data(as_text=True)
    assert "This ticket is for another event" in page
    page = client.get(f"/manage/check-in/{ticket.ticket_token}?for={ticket.event_id}").get_data(as_text=True)
    assert "This ticket is for another event" not in page
