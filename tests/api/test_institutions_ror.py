"""Institutions carry their ROR id (issue 21, item 4: ORCID imports match organisations by it)."""
from __future__ import annotations

from alumni.extensions import db
from alumni.models import AuditEntry
from tests.api.test_members_api import assert_error
from tests.factories import make_token, make_user


def test_ror_id_given_as_url_or_bare_answered_bare(api):
    token = make_token(make_user("staff"))
    made = api.post("/institutions", token, json={"name": "The University of Tokyo", "country": "JP",
                                                  "ror_id": "https://ror.org/057ZH3Y96"})
    assert made.status_code == 201 and made.json["ror_id"] == "057zh3y96"
    assert_error(api.post("/institutions", token, json={"name": "Tokyo Univ.", "country": "JP",
                                                         "ror_id": "057zh3y96"}), 409, "conflict", field="ror_id")
    assert_error(api.post("/institutions", token, json={"name": "Kyoto University", "country": "JP",
                                                         "ror_id": "grid.258799.8"}), 422, field="ror_id")
    plain = api.post("/institutions", token, json={"name": "Kyoto University", "country": "JP"})
    assert plain.json["ror_id"] is None


def test_ror_id_set_and_cleared_by_patch(api):
    token = make_token(make_user("staff"))
    made = api.post("/institutions", token, json={"name": "Kyoto University", "country": "JP"}).json
    changed = api.patch(f"/institutions/{made['id']}", token, json={"ror_id": "02kpeqv85"})
    assert changed.status_code == 200 and changed.json["ror_id"] == "02kpeqv85"
    assert db.session.query(AuditEntry).filter_by(action="institution.updated").one().changes == {
        "ror_id": [None, "02kpeqv85"]}
    cleared = api.patch(f"/institutions/{made['id']}", token, json={"ror_id": None})
    assert cleared.json["ror_id"] is None
    member_token = make_token(make_user("member"))
    assert_error(api.patch(f"/institutions/{made['id']}", member_token, json={"ror_id": "02kpeqv85"}), 403)


def test_the_add_institution_page_takes_a_ror_id(client):
    from sqlalchemy import select

    from alumni.models import Institution
    from tests.factories import PASSWORD, login

    login(client, make_user("staff", password=PASSWORD))
    page = client.get("/manage/institutions/new").get_data(as_text=True)
    assert "ROR id (optional)" in page
    refused = client.post("/manage/institutions/new", data={"name": "大阪大学", "country": "JP", "kind": "university",
                                                            "ror_id": "not a ror id"})
    assert refused.status_code == 422 and "This is not a ROR id" in refused.get_data(as_text=True)
    client.post("/manage/institutions/new", data={"name": "大阪大学", "country": "JP", "kind": "university",
                                                  "ror_id": "https://ror.org/035t8zc32"})
    assert db.session.scalar(select(Institution.ror_id)) == "035t8zc32"
