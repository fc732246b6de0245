"""Event pages through the test client: list, event page, RSVP, my events, ticket, organizer
pages, CSV, check-in — and that organizers of another chapter are kept out."""
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Event, Registration, RegistrationStatus
from alumni.services import registrations as rsvc
from tests.factories import PASSWORD, login, make_chapter, make_event, make_member, make_user
from tests.sqlcount import Statements


def test_list_filters_and_hides_drafts(client):
    make_event(title="Delhi reunion")
    make_event(title="Secret draft", publish=False)
    make_event(title="Online webinar", kind="webinar", venue="", country=None, online_url="https://meet.example/w")
    page = client.get("/events").get_data(as_text=True)
    assert "Delhi reunion" in page and "Online webinar" in page and "Secret draft" not in page
    page = client.get("/events?mode=online").get_data(as_text=True)
    assert "Online webinar" in page and "Delhi reunion" not in page
    assert client.get("/events?country=QQ").status_code == 200  # a bad filter is a message, not a 500


def test_event_page_shows_both_zones_places_and_multi_day(client):
    member = make_member(timezone="Asia/Tokyo")
    user = make_user("member", member=member, password=PASSWORD)
    event = make_event(starts_at="2030-01-17T18:00:00", ends_at="2030-01-19T12:00:00", timezone="Asia/Kolkata",
                       capacity=40)
    login(client, user)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Multi-day event" in page
    # English writes 12-hour times; zones by their names, as Babel writes them
    assert "6:00\u202fPM" in page and "India Standard Time, GMT+05:30" in page
    assert "9:30\u202fPM" in page and "Japan Standard Time, GMT+09:00" in page  # 18:00 IST = 21:30 JST
    assert "Asia/Kolkata" not in page.split("<main")[1].split('title="Asia/Kolkata"')[0]
    assert "40 places left" in page


def test_member_rsvps_sees_waitlist_position_and_ticket(client):
    event = make_event(capacity=1)
    rsvc.respond(event, make_member(), "yes")
    db.session.commit()
    member = make_member(given_name="Hanako", family_name="Sato", native_name="佐藤 花子")
    user = make_user("member", member=member, password=PASSWORD)
    login(client, user)
    r = client.post(f"/events/{event.id}/rsvp", data={"response": "yes"}, follow_redirects=True)
    assert "number 1 on the waitlist" in r.get_data(as_text=True)
    reg = db.session.scalar(select(Registration).where(Registration.member_id == member.id))
    assert reg.status == RegistrationStatus.waitlisted
    mine = client.get("/me/events").get_data(as_text=True)
    assert event.title in mine and "Waitlisted" in mine
    ticket = client.get(f"/tickets/{reg.ticket_token}").get_data(as_text=True)
    assert "no seat" in ticket
    assert client.get("/tickets/not-a-token").status_code == 404


def test_ticket_has_a_qr_svg_with_the_check_in_url(client):
    event = make_event()
    reg = rsvc.respond(event, make_member(), "yes").registration
    db.session.commit()
    page = client.get(f"/tickets/{reg.ticket_token}").get_data(as_text=True)
    assert "<svg" in page and "Show this code" in page


def test_organizer_pages_and_csv(client):
    org = make_user("organizer", password=PASSWORD)
    event = make_event(capacity=5)
    rsvc.respond(event, make_member(native_name="प्रिया शर्मा"), "yes")
    db.session.commit()
    login(client, org)
    assert client.get("/manage/events").status_code == 200
    page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert "प्रिया शर्मा" in page and "Places left" in page
    r = client.get(f"/manage/events/{event.id}/registrations.csv")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf") and "प्रिया शर्मा".encode() in r.data
    # A status that does not exist is no filter: the whole list, not an error.
    unfiltered = client.get(f"/manage/events/{event.id}?status=nonsense")
    assert unfiltered.status_code == 200 and "प्रिया शर्मा" in unfiltered.get_data(as_text=True)


def test_organizer_creates_an_event_and_sees_field_errors(client):
    org = make_user("organizer", password=PASSWORD)
    login(client, org)
    form = {"kind": "reunion", "chapter": "IN", "language": "en", "title": "7th reunion",
            "starts_at": "2027-01-23T18:00", "ends_at": "2027-01-23T17:00", "timezone": "Asia/Kolkata",
            "venue": "New Delhi", "side_quotas": "", "translation_language": ""}
    r = client.post("/manage/events/new", data=form)
    assert r.status_code == 422 and "ends before it starts" in r.get_data(as_text=True)
    assert db.session.scalar(select(Event.id)) is None
    r = client.post("/manage/events/new", data={**form, "ends_at": "2027-01-23T21:00", "side_quotas": "IN=many"})
    assert r.status_code == 422 and "SIDE=N" in r.get_data(as_text=True)
    r = client.post("/manage/events/new", data={**form, "ends_at": "2027-01-23T21:00", "translation_language": "ja",
                                                 "translation_title": "第7回同窓会"})
    assert r.status_code == 302
    event = db.session.scalar(select(Event))
    assert event.translations == {"ja": {"title": "第7回同窓会", "description": ""}}
    r = client.post(f"/manage/events/{event.id}/publish")
    assert r.status_code == 302 and db.session.get(Event, event.id).status.value == "published"


def test_other_chapter_and_members_are_kept_out(client):
    make_chapter("JP", "Japan chapter", ("JP",))
    draft = make_event("IN", publish=False)
    public = make_event("IN")
    reg = rsvc.respond(public, make_member(), "yes").registration
    db.session.commit()
    other = make_user("organizer", chapter="JP", password=PASSWORD)
    login(client, other)
    assert client.get(f"/manage/events/{draft.id}").status_code == 404
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert client.get(f"/manage/events/{public.id}").status_code == 403
    assert client.get(f"/manage/events/{public.id}/registrations.csv").status_code == 403
    assert client.get(f"/manage/events/{public.id}/edit").status_code == 403
    assert client.post(f"/manage/events/{public.id}/cancel").status_code == 403
    assert client.post(f"/manage/registrations/{reg.id}/check-in").status_code == 403
    assert client.get(f"/manage/check-in/{reg.ticket_token}").status_code == 403
    assert db.session.get(Registration, reg.id).checked_in_at is None
    client.post("/logout")
    member = make_user("member", password=PASSWORD)
    login(client, member)
    assert client.get("/manage/events").status_code == 403


def test_check_in_by_name_search_and_by_scan(client):
    org = make_user("organizer", password=PASSWORD)
    event = make_event(capacity=5)
    hanako = rsvc.respond(event, make_member(given_name="Hanako", family_name="Sato", native_name="佐藤 花子"), "yes").registration
    db.session.commit()
    login(client, org)
    page = client.get(f"/manage/events/{event.id}/check-in?q=sato").get_data(as_text=True)
    assert "佐藤 花子" in page
    r = client.post(f"/manage/registrations/{hanako.id}/check-in", follow_redirects=True)
    assert "is checked in" in r.get_data(as_text=True)
    r = client.post(f"/manage/check-in/{hanako.ticket_token}", follow_redirects=True)
    assert "Already checked in" in r.get_data(as_text=True)
    assert rsvc.summarise(event)["checked_in"] == 1


def _queries_for(client, url):
    with Statements() as sent:
        assert client.get(url).status_code == 200
    return sent.count


def test_registrations_page_queries_do_not_grow_with_registrations(client):
    from tests.factories import make_institution

    org = make_user("organizer", password=PASSWORD)
    event = make_event(kind="forum", capacity=5, side_quotas={"IN": 40, "JP": 40})
    inst = make_institution()
    for _ in range(6):
        rsvc.respond(event, make_member(), "yes", side="JP", institution_id=inst.id)
    db.session.commit()
    login(client, org)
    url = f"/manage/events/{event.id}"
    few = _queries_for(client, url)
    for _ in range(10):
        rsvc.respond(event, make_member(), "yes", side="IN", institution_id=make_institution().id)
    db.session.commit()
    assert _queries_for(client, url) == few


def test_forum_rsvp_records_institution_and_side(client):
    from tests.factories import make_institution

    event = make_event(kind="forum", side_quotas={"IN": 5, "JP": 5})
    inst = make_institution(name="IIT Hyderabad", country="IN")
    user = make_user("member", password=PASSWORD)
    login(client, user)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "IIT Hyderabad" in page and "Side" in page
    client.post(f"/events/{event.id}/rsvp", data={"response": "yes", "side": "IN", "institution_id": str(inst.id)})
    reg = db.session.scalar(select(Registration))
    assert (reg.side, reg.institution_id, reg.status) == ("IN", inst.id, RegistrationStatus.yes)


def test_member_event_page_is_two_statements(client):
    """The page a member answers on is never cached: it reads the user with their member and
    chapter, then the event with its chapter, the seats taken and waitlisted and the member's
    own registration in one statement — two, however many people answered."""
    member = make_member()
    user = make_user("member", member=member, password=PASSWORD)
    event = make_event(capacity=2)
    rsvc.respond(event, member, "yes")
    for _ in range(3):
        rsvc.respond(event, make_member(), "yes")
    db.session.commit()
    login(client, user)
    url = f"/events/{event.id}"
    db.session.close()  # nothing already loaded, as in a fresh worker's request
    with Statements() as sent:
        page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "2 people on the waitlist" in text and "Show my ticket" in text
    assert sent.count == 2, "\n".join(q[:90] for q in sent.sql)


def test_a_waitlisted_member_is_told_their_place(client):
    """Their place is counted among those still waiting (one more statement, for them only)."""
    event = make_event(capacity=1)
    rsvc.respond(event, make_member(), "yes")
    ahead, member = make_member(), make_member()
    rsvc.respond(event, ahead, "yes")
    rsvc.respond(event, member, "yes")
    db.session.commit()
    login(client, make_user("member", member=member, password=PASSWORD))
    url = f"/events/{event.id}"
    ahead_registration = rsvc.find_registration(event, ahead)
    db.session.expunge_all()
    with Statements() as sent:
        text = client.get(url).get_data(as_text=True)
    assert "number 2 on the waitlist" in text and sent.count == 3
    rsvc.withdraw(db.session.merge(ahead_registration))
    db.session.commit()
    assert "number 1 on the waitlist" in client.get(url).get_data(as_text=True)


def test_my_events_says_a_seat_is_offered_and_until_when(client):
    """An open offer is not "Waitlisted" on /me/events: the member is told a seat is offered,
    until when in their zone, and is taken to the event page to answer it."""
    event = make_event(capacity=1, offer_hours=24)
    seated = rsvc.respond(event, make_member(), "yes").registration
    member = make_member(timezone="Asia/Tokyo")
    user = make_user("member", member=member, password=PASSWORD)
    waiting = rsvc.respond(event, member, "yes").registration
    rsvc.withdraw(seated)
    db.session.commit()
    assert rsvc.offer_open(waiting)
    login(client, user)
    page = client.get("/me/events").get_data(as_text=True)
    row = next(r for r in page.split("<tr>") if f'href="/events/{event.id}"' in r).split("</tr>")[0]
    assert "A seat is offered to you until" in row and "Japan" in row
    assert "Waitlisted" not in row


def test_the_place_names_its_country_in_the_readers_language_and_the_description_finds_its_direction(client):
    event = make_event(venue="India Habitat Centre, New Delhi", description="Meet again.")
    page = client.get(f"/events/{event.id}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "India Habitat Centre, New Delhi</bdi> (インド)" in page and "(IN)" not in page
    assert '<div class="description" dir="auto">' in page
