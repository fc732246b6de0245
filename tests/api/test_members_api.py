"""/api/v1/members and a member's records: auth, roles, validation, the error format."""
import pytest
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import CareerEntry, Member, Participation, ReturnVisit
from tests.factories import make_member, make_participation, make_token, make_user


@pytest.fixture
def staff_token():
    return make_token(make_user("staff"))


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                 (Member, Participation, CareerEntry, ReturnVisit))


def assert_error(response, status, code=None, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    if field:
        assert field in body["error"].get("fields", {}), body


def test_no_token_or_a_wrong_one_is_401(api):
    assert_error(api.get("/members"), 401, "unauthorized")
    assert_error(api.get("/members", token="not-a-token"), 401, "unauthorized")


def test_staff_creates_a_member_with_a_participation_and_reads_it_back(api, staff_token):
    r = api.post("/members", staff_token, json={
        "email": "ananya@example.in", "given_name": "Ananya", "family_name": "Iyer",
        "native_name": "अनन्या अय्यर", "country": "IN", "preferred_language": "hi",
        "timezone": "Asia/Kolkata", "field": "Materials science", "visibility": "members"})
    assert r.status_code == 201, r.json
    member_id = r.json["id"]
    r = api.post(f"/members/{member_id}/participations", staff_token, json={
        "programme": "SSP-B", "start_date": "2025-02-15", "end_date": "2025-03-07"})
    assert r.status_code == 201, r.json
    assert r.json["fiscal_year"] == 2024 and r.json["direction"] == "inbound"
    r = api.get(f"/members/{member_id}", staff_token)
    assert r.json["native_name"] == "अनन्या अय्यर" and r.json["email"] == "ananya@example.in"
    r = api.get(f"/members/{member_id}/participations", staff_token)
    assert r.json["total"] == 1 and r.json["items"][0]["programme"] == "SSP-B"


BAD_MEMBERS = [
    ({"country": "XX"}, "country"),
    ({"preferred_language": "xx-YY"}, "preferred_language"),
    ({"timezone": "Asia/Atlantis"}, "timezone"),
    ({"email": "nobody-at-example.org"}, "email"),
    ({"given_name": ""}, "given_name"),
    ({"visibility": "all"}, "visibility"),
    ({"surprise": 1}, "surprise"),
    ({"country": 42}, "country"),
    ({"invitations": "perhaps"}, "invitations"),
]


@pytest.mark.parametrize("change, field", BAD_MEMBERS)
def test_bad_member_input_is_422_and_changes_nothing(api, staff_token, change, field):
    before = counts()
    body = {"email": "x@example.org", "given_name": "X", "country": "JP", **change}
    assert_error(api.post("/members", staff_token, json=body), 422, "invalid", field)
    assert counts() == before


BAD_PARTICIPATIONS = [
    ({"programme": "SSP-Q"}, "programme"),
    ({"start_date": "2025-02-30"}, "start_date"),
    ({"end_date": "2025-01-01"}, "end_date"),
    ({"fiscal_year": 2025}, "fiscal_year"),           # starts 2025-02-15 → FY2024
    ({"direction": "outbound"}, "direction"),         # SSP-A has no outbound side
    ({"host_institution_id": 12345}, "host_institution_id"),
]


@pytest.mark.parametrize("change, field", BAD_PARTICIPATIONS)
def test_bad_participation_is_rejected_and_changes_nothing(api, staff_token, change, field):
    member = make_member()
    before = counts()
    body = {"programme": "SSP-A", "start_date": "2025-02-15", "end_date": "2025-02-21", **change}
    r = api.post(f"/members/{member.id}/participations", staff_token, json=body)
    assert r.status_code in (404, 422)
    assert_error(r, r.status_code, field=field)
    assert counts() == before


def test_malformed_json_is_400(api, staff_token):
    r = api.post("/members", staff_token, data="{not json", content_type="application/json")
    assert_error(r, 400, "bad_request")


def test_duplicate_email_is_409(api, staff_token):
    make_member(email="taken@example.org")
    r = api.post("/members", staff_token, json={"email": "Taken@example.org", "given_name": "T", "country": "JP"})
    assert_error(r, 409, "conflict", "email")


def test_bad_career_and_return_are_422(api, staff_token):
    member = make_member()
    r = api.post(f"/members/{member.id}/careers", staff_token, json={
        "organisation": "RIKEN", "country": "JP", "role": "wizard", "start_date": "2020-04-01"})
    assert_error(r, 422, field="role")
    r = api.post(f"/members/{member.id}/returns", staff_token, json={
        "purpose": "research", "start_date": "2022-05-01", "end_date": "2022-04-01"})
    assert_error(r, 422, field="end_date")
    assert counts()[2:] == (0, 0)


def test_member_reads_and_edits_only_their_own_record(api):
    me = make_member(visibility="members")
    other = make_member(visibility="members")
    hidden = make_member(visibility="hidden")
    token = make_token(make_user("member", member=me))

    assert api.get(f"/members/{me.id}", token).json["email"] == me.email
    r = api.patch(f"/members/{me.id}", token, json={"field": "Robotics"})
    assert r.status_code == 200 and r.json["field"] == "Robotics"

    visible = api.get(f"/members/{other.id}", token)
    assert visible.status_code == 200 and "email" not in visible.json
    assert_error(api.get(f"/members/{hidden.id}", token), 404)
    assert_error(api.patch(f"/members/{other.id}", token, json={"field": "X"}), 403)
    assert_error(api.delete(f"/members/{other.id}", token), 403)
    assert_error(api.get(f"/members/{other.id}/participations", token), 403)
    assert_error(api.post(f"/members/{other.id}/returns", token,
                          json={"purpose": "research", "start_date": "2022-01-01"}), 403)
    assert_error(api.post("/members", token, json={"email": "n@example.org", "given_name": "N", "country": "JP"}), 403)
    assert db.session.get(Member, other.id).field == ""


def test_a_member_turns_invitations_off_and_on_through_the_api(api, staff_token):
    """The same switch as the one-click link and the profile page: off withdraws invitations
    still waiting in the outbox; only the member themselves and staff see or change it."""
    from alumni.models import OutgoingMail
    from alumni.services import invitations as isvc
    from tests.factories import make_event

    me = make_member(visibility="members")
    other_token = make_token(make_user("member", member=make_member(visibility="members")))
    token = make_token(make_user("member", member=me))
    isvc.queue_invitations(make_event(), isvc.clean_audience({}))
    db.session.commit()
    waiting = select(func.count(OutgoingMail.id)).where(OutgoingMail.member_id == me.id)
    assert db.session.scalar(waiting) == 1

    assert api.get(f"/members/{me.id}", token).json["invitations"] is True
    assert "invitations" not in api.get(f"/members/{me.id}", other_token).json
    r = api.patch(f"/members/{me.id}", token, json={"invitations": False})
    assert r.status_code == 200 and r.json["invitations"] is False
    assert db.session.scalar(waiting) == 0
    assert db.session.get(Member, me.id).invitations_unsubscribed_at is not None
    assert api.patch(f"/members/{me.id}", staff_token, json={"invitations": True}).json["invitations"] is True
    created = api.post("/members", staff_token, json={"email": "quiet@example.org", "given_name": "Quiet",
                                                      "country": "KE", "invitations": False})
    assert created.status_code == 201 and created.json["invitations"] is False


def test_a_members_record_ids_cannot_be_reached_through_another_member(api):
    me, other = make_member(), make_member()
    theirs = make_participation(other)
    token = make_token(make_user("member", member=me))
    assert_error(api.patch(f"/members/{me.id}/participations/{theirs.id}", token, json={"end_date": "2019-07-09"}), 404)
    assert_error(api.delete(f"/members/{me.id}/participations/{theirs.id}", token), 404)
    assert db.session.get(Participation, theirs.id) is not None


def test_member_edits_own_participation_career_and_return(api):
    me = make_member()
    token = make_token(make_user("member", member=me))
    p = api.post(f"/members/{me.id}/participations", token, json={
        "programme": "LOTUS", "start_date": "2023-04-10", "end_date": "2024-03-20"}).json
    r = api.patch(f"/members/{me.id}/participations/{p['id']}", token, json={"end_date": "2024-03-31"})
    assert r.status_code == 200 and r.json["end_date"] == "2024-03-31"
    c = api.post(f"/members/{me.id}/careers", token, json={
        "organisation": "Osaka University", "country": "JP", "role": "faculty", "start_date": "2024-10-01"})
    assert c.status_code == 201 and c.json["end_date"] is None
    rv = api.post(f"/members/{me.id}/returns", token, json={"purpose": "research", "start_date": "2024-10-01"})
    assert rv.status_code == 201
    assert api.delete(f"/members/{me.id}/returns/{rv.json['id']}", token).status_code == 204
    assert api.get(f"/members/{me.id}/returns", token).json == {"items": [], "total": 0}


def test_lists_are_paginated_with_totals(api, staff_token):
    for _ in range(25):
        make_member()
    r = api.get("/members?page=2&per_page=10", staff_token)
    assert r.json["total"] == 25 and len(r.json["items"]) == 10
    assert_error(api.get("/members?per_page=1000", staff_token), 422, field="per_page")
    assert_error(api.get("/members?page=zero", staff_token), 422, field="page")


def test_non_staff_list_leaves_out_hidden_members(api):
    me = make_member(visibility="hidden")
    make_member(visibility="public")
    make_member(visibility="hidden")
    token = make_token(make_user("member", member=me))
    r = api.get("/members", token)
    assert r.json["total"] == 1
    assert all("email" not in item for item in r.json["items"])


def test_catalogue_and_chapters_are_public(api):
    r = api.get("/programmes")
    codes = [p["code"] for p in r.json["items"]]
    assert codes == ["SSP-A", "SSP-B", "SSP-C", "SSP-D", "SSP-HS", "SSP-STP", "LOTUS", "NEXUS-YTEC"]
    assert api.get("/chapters").json == {"items": [], "total": 0}


def test_institutions_created_by_staff_and_matched_case_insensitively(api, staff_token):
    r = api.post("/institutions", staff_token, json={"name": "Indian Institute of Technology Hyderabad",
                                                     "country": "IN", "kind": "university"})
    assert r.status_code == 201
    r = api.post("/institutions", staff_token, json={"name": "  indian institute of technology hyderabad ",
                                                     "country": "IN"})
    assert_error(r, 409, "conflict")
    assert_error(api.post("/institutions", staff_token, json={"name": "X", "country": "JP", "kind": "club"}),
                 422, field="kind")
    assert api.get("/institutions?q=hyderabad").json["total"] == 1
    member_token = make_token(make_user("member"))
    assert_error(api.post("/institutions", member_token, json={"name": "Y", "country": "JP"}), 403)


def test_unknown_routes_and_methods_answer_json(api, staff_token):
    assert_error(api.get("/nowhere", staff_token), 404, "not_found")
    assert_error(api.delete("/programmes", staff_token), 405)


def test_a_member_setting_someone_elses_email_changes_nothing_until_that_address_confirms(api, client):
    """Issue 23, item 3: PATCH {"email": …} by the member answered 200 and squatted the address;
    the owner's sign-up then answered 500 (uq_users_member_id)."""
    from alumni.models import User
    from tests.factories import make_account

    me = make_account("me@example.org")
    token = make_token(me)
    r = api.patch(f"/members/{me.member_id}", token, json={"email": "victim@example.org", "field": "Physics"})
    assert r.status_code == 200
    assert (r.json["email"], r.json["pending_email"], r.json["field"]) == ("me@example.org", "victim@example.org",
                                                                            "Physics")
    assert db.session.get(Member, me.member_id).email == "me@example.org"
    r = client.post("/signup", data={"given_name": "Victor", "email": "victim@example.org",
                                     "password": "a long enough passphrase", "accept_privacy": "y"})
    assert r.status_code == 200
    owner = db.session.scalar(select(User).where(User.email == "victim@example.org"))
    assert owner.member.email == "victim@example.org" and owner.member_id != me.member_id


def test_staff_correct_an_email_at_once_and_a_taken_one_is_409(api, staff_token):
    member = make_member(email="typo@exmple.org")
    make_member(email="taken@example.org")
    r = api.patch(f"/members/{member.id}", staff_token, json={"email": "fixed@example.org"})
    assert r.status_code == 200 and r.json["email"] == "fixed@example.org" and r.json["pending_email"] is None
    assert_error(api.patch(f"/members/{member.id}", staff_token, json={"email": "Taken@example.org"}),
                 409, "conflict", "email")


def test_a_unique_key_race_is_a_409_never_a_500(api, staff_token, monkeypatch):
    """Two requests that pass the service's check at the same moment: the database's unique key
    is the last guard, and its refusal is answered as a conflict."""
    from alumni.services import members as members_service

    member = make_member(email="one@example.org")
    make_member(email="two@example.org")
    monkeypatch.setattr(members_service, "ensure_email_free", lambda email, member_id=None: None)
    assert_error(api.patch(f"/members/{member.id}", staff_token, json={"email": "two@example.org"}), 409, "conflict")
    assert db.session.get(Member, member.id).email == "one@example.org"
