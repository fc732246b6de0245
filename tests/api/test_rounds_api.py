"""POST /api/v1/update-rounds and GET /api/v1/update-rounds/{id} (issue 21)."""
from __future__ import annotations

from datetime import date

from alumni.extensions import db
from alumni.models import RoundRecipient
from tests.factories import make_chapter, make_member, make_participation, make_token, make_user


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {make_token(user)}"}


def test_start_and_follow_a_round(app, client):
    make_chapter("IN", "India chapter", ("IN",))
    member = make_member(country="IN")
    make_participation(member, start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))
    make_member(country="KE")
    staff = _bearer(make_user("staff"))
    r = client.post("/api/v1/update-rounds", json={"audience": {"chapter": "IN"}, "message": "Hello"}, headers=staff)
    assert r.status_code == 201
    assert set(r.json) == {"id", "queued", "skipped"} and (r.json["queued"], r.json["skipped"]) == (1, 0)
    shown = client.get(f"/api/v1/update-rounds/{r.json['id']}", headers=staff)
    assert shown.status_code == 200
    body = shown.json
    assert {k: body[k] for k in ("recipients", "sent", "opened", "answered", "changed")} == {
        "recipients": 1, "sent": 0, "opened": 0, "answered": 0, "changed": 0}
    assert body["by_country"] == {"IN": {"recipients": 1, "sent": 0, "opened": 0, "answered": 0, "changed": 0}}
    assert set(body["by_cohort"]) == {"2019"} and body["chapter"] == "IN"


def test_organizers_are_limited_to_their_chapter_and_members_refused(app, client):
    make_chapter("IN", "India chapter", ("IN",))
    make_chapter("LK", "Sri Lanka chapter", ("LK",))
    make_member(country="IN")
    make_member(country="LK")
    organizer = _bearer(make_user("organizer", chapter="IN"))
    other_organizer = _bearer(make_user("organizer", chapter="LK"))
    r = client.post("/api/v1/update-rounds", json={"audience": {"chapter": "LK"}}, headers=organizer)
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    r = client.post("/api/v1/update-rounds", json={}, headers=organizer)
    assert r.status_code == 201 and r.json["queued"] == 1
    assert client.get(f"/api/v1/update-rounds/{r.json['id']}", headers=organizer).status_code == 200
    assert client.get(f"/api/v1/update-rounds/{r.json['id']}", headers=other_organizer).status_code == 403
    member = _bearer(make_user("member"))
    assert client.post("/api/v1/update-rounds", json={}, headers=member).status_code == 403
    assert client.get(f"/api/v1/update-rounds/{r.json['id']}", headers=member).status_code == 403
    assert client.get("/api/v1/update-rounds/99999", headers=_bearer(make_user("staff"))).status_code == 404


def test_bad_bodies_are_422_naming_the_field(app, client):
    staff = _bearer(make_user("staff"))
    for body, field in (({"audience": {"unconfirmed_months": 0}}, "audience.unconfirmed_months"),
                        ({"audience": {"colour": "red"}}, "audience.colour"),
                        ({"audiences": {}}, "audiences"),
                        ({"message": "x" * 3000}, "message")):
        r = client.post("/api/v1/update-rounds", json=body, headers=staff)
        assert r.status_code == 422, body
        assert field in r.json["error"].get("fields", {}), (body, r.json)
    assert db.session.query(RoundRecipient).count() == 0


def test_unconfirmed_months_through_the_api(app, client):
    from alumni.models.types import utcnow

    confirmed = make_member()
    confirmed.confirmed_at = utcnow()
    make_member()
    db.session.commit()
    r = client.post("/api/v1/update-rounds", json={"audience": {"unconfirmed_months": 24}},
                    headers=_bearer(make_user("staff")))
    assert r.json["queued"] == 1
