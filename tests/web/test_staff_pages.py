"""Staff pages: import upload, returnee report, overview — staff only."""
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Member
from alumni.services.imports import COLUMNS
from tests.factories import login, make_career, make_member, make_participation, make_return, make_user

PASSWORD = "a long enough passphrase"
PAGES = ["/staff/", "/staff/returnees", "/staff/import", "/staff/returnees.csv", "/staff/overview.csv",
         "/staff/work-map.svg"]


def login_as(client, role):
    user = make_user(role, password=PASSWORD)
    login(client, user)
    return user


@pytest.fixture
def staff(client):
    return login_as(client, "staff")


@pytest.fixture
def data():
    people = []
    for i, country in enumerate(["IN"] * 6 + ["KE"] * 2):
        m = make_member(country=country, field="Chemistry")
        make_participation(m, programme="SSP-B", start_date=date(2019, 3, 1), end_date=date(2019, 3, 20))
        make_return(m, purpose="research", start_date=date(2020, 1, 1 + i))
        people.append(m)
    jp = make_member(country="JP")
    make_participation(jp, programme="SSP-D", direction="outbound", start_date=date(2024, 6, 1),
                       end_date=date(2024, 7, 1))
    make_career(jp, country="DE", role="researcher", start_date=date(2025, 1, 1))
    return people


@pytest.mark.parametrize("role", ["member", "organizer"])
def test_members_and_organizers_get_403(client, role):
    login_as(client, role)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    assert client.get("/staff/imports/1").status_code == 403
    r = client.post("/staff/import", data={"file": (io.BytesIO(b"email\n"), "m.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 403


def test_anonymous_is_sent_to_login(client):
    r = client.get("/staff/returnees")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_upload_queues_a_job_whose_page_shows_progress_then_the_commands_report(client, staff):
    from alumni.services.import_jobs import run_pending_imports

    body = (",".join(COLUMNS) + "\n"
            "ana@example.org,Ana,Silva,,BR,es,Biology,SSP-A,2019,inbound,2019-07-01,2019-07-07,Tohoku University,JP,USP,BR\n"
            "bad@example.org,Bad,Row,,XX,en,,SSP-A,2019,inbound,2019-07-01,2019-07-07,,,,\n")
    r = client.post("/staff/import", data={"file": (io.BytesIO(("\ufeff" + body).encode()), "m.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 303, r.get_data(as_text=True)
    job_url = r.headers["Location"]
    assert re.fullmatch(r"/staff/imports/\d+", job_url)
    assert db.session.scalar(select(Member.email)) is None  # the request imports nothing
    html = client.get(job_url).get_data(as_text=True)
    # Waiting: the page reloads itself (a meta refresh: no script) and says so.
    assert '<meta http-equiv="refresh" content="5">' in html and "Waiting to start" in html
    assert "<script>" not in html
    run_pending_imports()
    r = client.get(job_url)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Created 1, updated 0, unchanged 0, rejected 1." in html and "<td>3</td>" in html
    assert 'http-equiv="refresh"' not in html and 'value="2"' in html
    assert db.session.scalar(select(Member.email)) == "ana@example.org"
    listing = client.get("/staff/import").get_data(as_text=True)
    assert job_url in listing and "m.csv" in listing
    r = client.post("/staff/import", data={"file": (io.BytesIO(b"\xff\xfe bad"), "m.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "UTF-8" in r.get_data(as_text=True)
    assert client.get("/staff/imports/999999").status_code == 404


def test_a_failed_import_shows_its_reason(client, staff):
    from alumni.services.import_jobs import run_pending_imports

    body = ",".join(COLUMNS) + "\nana@example.org,Ana,Silva,,BR,es,,,,,,,,,,\n" + '"' + "x" * 140_000 + '"\n'
    r = client.post("/staff/import", data={"file": (io.BytesIO(body.encode()), "m.csv")},
                    content_type="multipart/form-data")
    run_pending_imports()
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "The import failed" in html and "not valid CSV" in html and 'role="alert"' in html


def test_returnee_page_table_charts_and_csv(client, staff, data):
    r = client.get("/staff/returnees?as=research&country=IN")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<strong id="total">6</strong>' in html and "<svg" in html
    # The charts bring no script: the only one on the page is our own static file.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/app.js" defer>']
    csv_text = client.get("/staff/returnees.csv?as=research").get_data(as_text=True)
    assert len(csv_text.strip().splitlines()) == 9
    publication = client.get("/staff/returnees.csv?as=research&publication=1").get_data(as_text=True)
    # 8 in all, 2 from Kenya: "IN 6" would give Kenya's 2 away, so it is hidden too
    assert "country,IN,≥5" in publication and "country,KE,<5" in publication
    r = client.get("/staff/returnees?country=XX")
    assert r.status_code == 422 and 'id="country-error"' in r.get_data(as_text=True)


def test_returnee_page_with_a_publication_parameter_links_both_csvs(client, staff, data):
    """A `publication` in the page's own query (found by test_crafted_input) is no 500, and the
    "list" link still gives the list, not the counts."""
    r = client.get("/staff/returnees?as=research&publication=1&page=1")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    links = re.findall(r'href="(/staff/returnees\.csv[^"]*)"', html)
    assert len(links) == 2 and "publication" not in links[0] and links[1].count("publication=1") == 1


def test_overview_page_and_publication_csv(client, staff, data):
    r = client.get("/staff/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    assert "India" in html and "Germany" in html and "<svg" in html
    assert '<strong id="came-back-share">100%</strong>' in html
    full = client.get("/staff/overview.csv").get_data(as_text=True)
    assert "members_by_country,KE,,2" in full and "japanese_abroad_work_now,DE,,1" in full
    publication = client.get("/staff/overview.csv?publication=1").get_data(as_text=True)
    assert "members_by_country,KE,,<5" in publication and "members_by_country,IN,,6" in publication
    assert "outbound_dispatches,2024,mid_long_term,<5" in publication


def test_overview_shows_events_held_and_attendance(client, staff, data):
    from datetime import datetime, timedelta

    from sqlalchemy import update

    from alumni.models import Event
    from alumni.services import registrations as reg_svc
    from tests.factories import make_event

    assert "No event has been held yet." in client.get("/staff/").get_data(as_text=True)
    event = make_event(title="Nairobi reunion")
    for person in data[:3]:
        reg_svc.respond(event, person, "yes")
    db.session.commit()
    reg_svc.check_in(reg_svc.find_registration(event, data[0]))
    start = datetime(2025, 11, 8, 17)
    db.session.execute(update(Event).where(Event.id == event.id).values(starts_at=start,
                                                                         ends_at=start + timedelta(hours=4)))
    db.session.commit()
    html = client.get("/staff/").get_data(as_text=True)
    assert 'class="events-held"' in html and "33%" in html
    full = client.get("/staff/overview.csv").get_data(as_text=True)
    assert "events_held,2025,events,1" in full and "events_held,2025,confirmed,3" in full
    publication = client.get("/staff/overview.csv?publication=1").get_data(as_text=True)
    assert "events_held,2025,events,1" in publication and "events_held,2025,attended,<5" in publication


def test_world_maps_of_where_alumni_work_now(client, staff, data):
    import xml.etree.ElementTree as ET

    html = client.get("/staff/").get_data(as_text=True)
    assert 'src="/staff/work-map.svg?who=all"' in html and 'src="/staff/work-map.svg?who=japanese_abroad"' in html
    everyone = client.get("/staff/work-map.svg?who=all")
    assert everyone.status_code == 200 and everyone.mimetype == "image/svg+xml"
    ET.fromstring(everyone.data)  # one well-formed SVG document
    svg = everyone.get_data(as_text=True)
    assert "<script" not in svg and "Germany: 1" in svg  # the one current career, in Germany
    abroad = client.get("/staff/work-map.svg?who=japanese_abroad").get_data(as_text=True)
    assert "Germany: 1" in abroad
    japanese = client.get("/staff/work-map.svg?who=all", headers={"Accept-Language": "ja"})
    assert "ドイツ: 1" in japanese.get_data(as_text=True)  # country names in the page's language
    assert japanese.headers["ETag"] != everyone.headers["ETag"]
    again = client.get("/staff/work-map.svg?who=all", headers={"If-None-Match": everyone.headers["ETag"]})
    assert again.status_code == 304
    make_career(data[0], country="JP", role="researcher", start_date=date(2025, 2, 1))
    moved = client.get("/staff/work-map.svg?who=all", headers={"If-None-Match": everyone.headers["ETag"]})
    assert moved.status_code == 200 and "Japan: 1" in moved.get_data(as_text=True)
    assert client.get("/staff/work-map.svg?who=everyone").status_code == 400


def test_staff_sees_the_nav_link(client, staff):
    assert 'href="/staff/"' in client.get("/").get_data(as_text=True)


def test_import_templates_download_in_both_formats_and_import_as_they_are(client, staff):
    from openpyxl import load_workbook

    from alumni.services.imports import read_upload

    r = client.get("/staff/import/template.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    lines = r.get_data(as_text=True).splitlines()
    assert lines[0] == ",".join(COLUMNS) and lines[1].startswith("priya@example.in,") and len(lines) == 2
    r = client.get("/staff/import/template.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 2
    assert [line for line, _row in read_upload(r.data, "t.xlsx")] == [2]
    assert client.get("/staff/import/template.ods").status_code == 404
    assert "email" in client.get("/staff/import/columns").get_data(as_text=True)


def test_templates_and_column_reference_are_for_staff_only(client):
    login(client, make_user("member", email="m@example.org", password=PASSWORD))
    assert client.get("/staff/import/template.csv").status_code == 403


def test_the_upload_page_previews_the_first_rows_of_an_xlsx_and_refuses_a_fake_one(client, staff):
    from alumni.services.imports import template_xlsx

    html = client.get("/staff/import").get_data(as_text=True)
    assert "/staff/import/template.xlsx" in html and "/staff/import/columns" in html
    r = client.post("/staff/import", data={"file": (io.BytesIO(template_xlsx()), "m.xlsx"), "preview": "1"},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "The first rows as they will be read" in html
    assert "<td><bdi>priya@example.in</bdi></td>" in html and "<td><bdi>2019-07-01</bdi></td>" in html
    assert db.session.scalar(select(Member.email)) is None
    r = client.post("/staff/import", data={"file": (io.BytesIO(b"PK\x03\x04 junk"), "m.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "not an Excel workbook" in r.get_data(as_text=True)
    r = client.post("/staff/import", data={"file": (io.BytesIO(template_xlsx()), "m.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 303


def test_with_no_current_career_the_overview_draws_no_empty_world_map(client, staff):
    """An empty map said "No data" in letters across a whole screen: with no country to show the
    maps are left out and the tables say so."""
    html = client.get("/staff/").get_data(as_text=True)
    assert "work-map.svg" not in html
    assert html.count("None recorded.") == 2
