"""A member's own pages, the member page, the directory page, and that nobody reaches another
member's record through them."""
import json
from datetime import date

from sqlalchemy import func, select

from alumni.models import CareerEntry, Member, Participation, ReturnVisit, StaffAccess, User
from tests.factories import logged_in, login, make_institution, make_member, make_participation, make_user

PASSWORD = "a long enough passphrase"


def test_me_needs_a_login(client):
    r = client.get("/me")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_new_member_sees_a_guided_start(client, db):
    user = logged_in(client)
    user.member.country = None
    db.session.commit()
    body = client.get("/me").get_data(as_text=True)
    assert "Three steps to get started" in body
    make_participation(user.member)
    user.member.country = "IN"
    db.session.commit()
    assert "Three steps to get started" not in client.get("/me").get_data(as_text=True)


def test_profile_edit_saves_and_shows_errors_next_to_the_field(client, db):
    user = logged_in(client)
    data = {"native_name": "佐藤 花子", "given_name": "Hanako", "family_name": "Sato", "family_name_first": "y",
            "country": "JP", "preferred_language": "ja", "timezone": "Asia/Tokyo", "field": "Biology",
            "visibility": "public"}
    assert client.post("/me/profile", data=data).status_code == 302
    member = db.session.get(Member, user.member_id)
    assert (member.latin_name, member.country, member.visibility.value) == ("Sato Hanako", "JP", "public")
    assert "佐藤 花子 (Sato Hanako)" in client.get("/me").get_data(as_text=True)
    r = client.post("/me/profile", data={**data, "timezone": "Mars/Olympus", "field": "Changed"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="timezone-error"' in body and "IANA" in body
    db.session.expire_all()
    assert db.session.get(Member, user.member_id).field == "Biology"  # nothing half-saved


def test_add_edit_delete_each_record(client, db):
    user = logged_in(client)
    host = make_institution(name="Kyoto University")
    r = client.post("/me/participations/new", data={
        "programme": "SSP-B", "direction": "inbound", "start_date": "2025-02-15", "end_date": "2025-03-07",
        "host_institution_id": str(host.id), "sending_institution_id": ""})
    assert r.status_code == 302
    p = db.session.scalar(select(Participation))
    assert (p.fiscal_year, p.host_institution_id) == (2024, host.id)
    assert "Kyoto University" in client.get("/me").get_data(as_text=True)
    assert client.get(f"/me/participations/{p.id}/edit").status_code == 200
    r = client.post(f"/me/participations/{p.id}/edit", data={
        "programme": "SSP-B", "direction": "inbound", "start_date": "2025-02-15", "end_date": "2025-02-01",
        "host_institution_id": "", "sending_institution_id": ""})
    assert r.status_code == 422 and 'id="end_date-error"' in r.get_data(as_text=True)

    assert client.post("/me/careers/new", data={"organisation": "IIT Delhi", "country": "IN",
                                                "role": "faculty", "start_date": "2021-01-01"}).status_code == 302
    career = db.session.scalar(select(CareerEntry))
    assert client.post(f"/me/careers/{career.id}/edit", data={
        "organisation": "IIT Delhi", "country": "IN", "role": "researcher", "title": "Professor",
        "start_date": "2021-01-01"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CareerEntry, career.id).title == "Professor"

    assert client.post("/me/returns/new", data={"purpose": "research", "start_date": "2023-04-01",
                                                "institution_id": str(host.id)}).status_code == 302
    r = client.post("/me/returns/new", data={"purpose": "holiday", "start_date": "2023-04-01"})
    assert r.status_code == 422
    visit = db.session.scalar(select(ReturnVisit))
    for kind, record in (("participations", p), ("careers", career), ("returns", visit)):
        ask = client.post(f"/me/{kind}/{record.id}/delete")
        assert ask.status_code == 200 and "What is kept" in ask.get_data(as_text=True)
        assert client.post(f"/me/{kind}/{record.id}/delete", data={"confirmed": "1"}).status_code == 302
    for model in (Participation, CareerEntry, ReturnVisit):
        assert db.session.scalar(select(func.count(model.id))) == 0
    assert user.member_id is not None


def test_nobody_reaches_another_members_records(client, db):
    other = make_member(email="other@example.org", visibility="hidden")
    p = make_participation(other)
    logged_in(client)
    assert client.get(f"/me/participations/{p.id}/edit").status_code == 404
    assert client.post(f"/me/participations/{p.id}/edit", data={
        "programme": "SSP-A", "start_date": "2019-07-01", "end_date": "2019-07-07"}).status_code == 404
    assert client.post(f"/me/participations/{p.id}/delete").status_code == 404
    assert client.get(f"/members/{other.id}").status_code == 404  # hidden
    assert db.session.scalar(select(func.count(Participation.id))) == 1


def test_member_page_shows_what_the_visibility_allows(client, db):
    public = make_member(email="pub@example.org", given_name="Open", visibility="public", field="Secret field")
    members_only = make_member(email="mem@example.org", given_name="Alumna", visibility="members")
    make_participation(public)
    body = client.get(f"/members/{public.id}").get_data(as_text=True)
    assert "Open" in body and "SSP-A" in body and "Secret field" not in body and "pub@example.org" not in body
    assert client.get(f"/members/{members_only.id}").status_code == 404
    logged_in(client)
    body = client.get(f"/members/{members_only.id}").get_data(as_text=True)
    assert "Alumna" in body and "mem@example.org" not in body


def test_staff_views_are_logged(client, db):
    member = make_member(email="x@example.org", visibility="hidden")
    login(client, make_user("staff", email="hq@example.org", password=PASSWORD))
    body = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "x@example.org" in body
    entry = db.session.scalar(select(StaffAccess))
    assert (entry.actor_email, entry.member_id, entry.action) == ("hq@example.org", member.id, "web:member_page")


def test_download_my_data(client, db):
    user = logged_in(client)
    make_participation(user.member)
    r = client.get("/me/export.json")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    data = json.loads(r.get_data(as_text=True))
    assert data["member"]["email"] == "me@example.org" and len(data["participations"]) == 1


def test_delete_my_account(client, db):
    user = logged_in(client)
    make_participation(user.member)
    r = client.post("/me/delete", data={"password": "wrong password", "confirm": "y"})
    assert r.status_code == 422
    r = client.post("/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(Member.id))) == 0
    assert "Log in" in client.get("/").get_data(as_text=True)


def test_directory_page(client, db):
    make_member(given_name="José", family_name="García", visibility="public", country="MX")
    make_member(given_name="Hidden", visibility="hidden")
    make_member(given_name="Alumna", visibility="members")
    body = client.get("/directory?q=jose").get_data(as_text=True)
    assert "José García" in body and "1 member found" in body
    body = client.get("/directory").get_data(as_text=True)
    assert "Alumna" not in body and "Hidden" not in body
    logged_in(client, visibility="hidden")
    body = client.get("/directory").get_data(as_text=True)
    assert "Alumna" in body and "Hidden" not in body and "2 members found" in body
    # Whatever is typed into the URL, the page answers without an error.
    for query in ("country=ZZ", "cohort=abc", "page=-4", "programme=%3B", "q=%25%25"):
        assert client.get(f"/directory?{query}").status_code == 200, query
    # PostgreSQL refuses NUL in text: it is turned away at the door, on every page and the API.
    assert client.get("/directory?programme=%00").status_code == 400
    assert client.post("/signup", data={"given_name": "A\x00", "email": "x@example.org"}).status_code == 400
    r = client.post("/api/v1/members", json={"given_name": "Nul\u0000"})
    assert r.status_code == 400 and r.get_json()["error"]["message"]


def test_staff_read_the_access_log_and_members_may_not(client, db):
    member = make_member(email="x@example.org")
    login(client, make_user("staff", email="hq@example.org", password=PASSWORD))
    client.get(f"/members/{member.id}")
    body = client.get("/staff/access-log").get_data(as_text=True)
    assert "hq@example.org" in body and "web:member_page" in body and f"#{member.id}" in body
    client.post("/logout")
    logged_in(client)
    assert client.get("/staff/access-log").status_code == 403


def test_no_member_changes_another_members_records_of_any_kind(client, db):
    other = make_member(email="other@example.org", visibility="members")
    p = make_participation(other)
    from alumni.services import members as svc

    career = svc.add_career(other, {"organisation": "X", "country": "IN", "role": "other", "start_date": date(2020, 1, 1)})
    visit = svc.add_return(other, {"purpose": "study", "start_date": date(2021, 1, 1)})
    db.session.commit()
    logged_in(client)
    for kind, record in (("participations", p), ("careers", career), ("returns", visit)):
        assert client.get(f"/me/{kind}/{record.id}/edit").status_code == 404, kind
        assert client.post(f"/me/{kind}/{record.id}/edit", data={}).status_code == 404, kind
        assert client.post(f"/me/{kind}/{record.id}/delete").status_code == 404, kind
    assert client.get("/me/unknown/new").status_code == 404
    body = client.get(f"/members/{other.id}").get_data(as_text=True)
    assert "other@example.org" not in body  # no contact details, no returns for other alumni
    assert "Returns to Japan" not in body
    assert client.post(f"/members/{other.id}/claim-link").status_code == 403
    for model, count in ((Participation, 1), (CareerEntry, 1), (ReturnVisit, 1)):
        assert db.session.scalar(select(func.count(model.id))) == count


def test_changing_my_email_from_the_profile_waits_for_the_new_address(client, db):
    """Issue 23, item 3: the new address confirms on a page of its own (a POST: a mail scanner
    that opens the link changes nothing)."""
    import re

    from alumni.models import OutgoingMail

    user = logged_in(client, "me@example.org", country="IN")
    form = client.get("/me/profile").get_data(as_text=True)
    assert 'value="me@example.org"' in form
    data = {"given_name": "Priya", "family_name": "Sharma", "country": "IN", "preferred_language": "en",
            "timezone": "Asia/Kolkata", "visibility": "members", "email": "new@example.org"}
    r = client.post("/me/profile", data=data, follow_redirects=True)
    assert "new@example.org" in r.get_data(as_text=True)
    assert db.session.get(Member, user.member_id).email == "me@example.org"
    body = db.session.scalar(select(OutgoingMail.text_body).where(OutgoingMail.recipient == "new@example.org"))
    path = re.search(r"http://alumni\.test(/email/[\w.\-]+)", body).group(1)
    anonymous = client.application.test_client()  # the link may be opened anywhere
    page = anonymous.get(path)
    assert page.status_code == 200 and "new@example.org" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, user.member_id).email == "me@example.org"  # opening it changed nothing
    r = anonymous.post(path)
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, user.member_id).email == "new@example.org"
    assert db.session.get(User, user.id).email == "new@example.org"
    assert anonymous.post(path).status_code == 400  # used
    assert anonymous.get("/email/not-a-real-link").status_code == 400
