"""Tables that read well (issue 18 item 3): names not codes, never "None", times in the event's
zone said by name, every wide table in its own scrolling box."""
import re

from markupsafe import escape

from alumni.extensions import db
from alumni.models import Programme
from alumni.services import registrations as rsvc
from tests.factories import logged_in, login, make_event, make_member, make_participation, make_user

PASSWORD = "a long enough passphrase"


def test_registrations_table_names_countries_and_never_prints_none(client):
    event = make_event("IN", timezone="Asia/Kolkata")
    rsvc.respond(event, make_member(country="EG", given_name="Amina"), "yes")
    nameless = make_member(given_name="Lost")
    nameless.country = None  # an imported record without a country
    rsvc.respond(event, nameless, "yes")
    db.session.commit()
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    login(client, organizer)
    html = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    table = html[html.index('<table class="registrations">'):]
    table = table[:table.index("</table>")]
    assert "<td>Egypt</td>" in table and "<td>EG</td>" not in table
    assert "None" not in table
    assert "India Time" in html  # the zone, by name
    assert re.search(r'<div class="scroll"[^>]*>\s*<table class="registrations">', html)
    assert 'class="button button-small">Check in</button>' in table
    ja = client.get(f"/manage/events/{event.id}", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "エジプト" in ja and "インド時間" in ja


def test_me_tables_scroll_in_their_own_box_and_name_the_programme(client):
    user = logged_in(client, "me@example.org")
    make_participation(user.member, programme="LOTUS")
    html = client.get("/me").get_data(as_text=True)
    assert re.search(r'<div class="scroll"[^>]*>\s*<table>', html)
    name = db.session.get(Programme, "LOTUS").name
    assert f"{escape(name)} <span" in html  # the catalogue name, the code beside it
    assert 'class="button button-small button-danger">Delete</button>' in html
