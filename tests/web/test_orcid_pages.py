"""ORCID end to end with the test client against the stand-in (tests/orcid_standin.py): link
(OAuth with a session-bound state), review, save, a later import, a revoked token, malformed
JSON, unlink — and the feature hidden without its settings."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import AuditEntry, CareerEntry, OrcidLink
from tests.factories import PASSWORD, login, make_institution, make_member, make_token, make_user
from tests.orcid_standin import CLIENT_ID, ORCID_ID, sign_in

ORCID_URL = f"https://orcid.org/{ORCID_ID}"


def _member_client(client):
    member = make_member()
    user = make_user(member=member, password=PASSWORD)
    login(client, user)
    return member, user


def _link(client) -> None:
    """The whole sign-in: our link → ORCID's authorize page → back to our callback."""
    start = client.get("/me/orcid/link")
    assert start.status_code == 302
    back = urlsplit(sign_in(start.location))
    answer = client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 302 and answer.location.endswith("/me/orcid/import"), answer.location


def _careers() -> int:
    return db.session.scalar(select(func.count()).select_from(CareerEntry))


def test_hidden_without_settings(client):
    _member_client(client)
    page = client.get("/me").get_data(as_text=True)
    assert "ORCID" not in page
    for path in ("/me/orcid/link", "/me/orcid/callback", "/me/orcid/import"):
        assert client.get(path).status_code == 404
    assert client.post("/me/orcid/import").status_code == 404
    assert client.post("/me/orcid/unlink").status_code == 404


def test_link_sends_the_member_to_orcid_with_a_state(client, orcid, app):
    _member_client(client)
    assert "Connect your ORCID iD" in client.get("/me").get_data(as_text=True)
    start = client.get("/me/orcid/link")
    target = urlsplit(start.location)
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{orcid.url}/oauth/authorize"
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert query["scope"] == "/authenticate" and query["redirect_uri"] == "http://alumni.test/me/orcid/callback"
    assert len(query["state"]) >= 32


def test_link_review_save_and_import_again(client, orcid):
    member, _user = _member_client(client)
    tokyo = make_institution(name="The University of Tokyo", country="JP")
    tokyo.ror_id = "057zh3y96"
    db.session.commit()
    _link(client)
    me = client.get("/me").get_data(as_text=True)
    assert ORCID_URL in me and "Unlink ORCID iD" in me

    review = client.get("/me/orcid/import")
    page = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "The University of Tokyo" in page and "University of Delhi" in page
    assert page.count('name="put_code"') == 3 and page.count("checked") == 3  # new ones pre-checked
    assert "Cannot be imported" in page  # the education without a start date
    assert _careers() == 0  # the review saves nothing

    saved = client.post("/me/orcid/import", data={"put_code": ["1001", "2001"], "role-1001": "faculty",
                                                  "role-2001": "student", "role-1002": "researcher"})
    assert saved.status_code == 302 and saved.location.endswith("/me#careers")
    rows = db.session.execute(select(CareerEntry.orcid_put_code, CareerEntry.role, CareerEntry.institution_id)
                              .order_by(CareerEntry.orcid_put_code)).all()
    assert [(p, r.value, i) for p, r, i in rows] == [(1001, "faculty", tokyo.id), (2001, "student", None)]

    orcid.later = True
    page = client.get("/me/orcid/import").get_data(as_text=True)
    assert page.count('name="put_code"') == 2  # RIKEN (new) and IIT Hyderabad (not taken last time)
    assert page.count("Already in your record") == 2
    client.post("/me/orcid/import", data={"put_code": ["1003"], "role-1003": "researcher"})
    assert sorted(db.session.scalars(select(CareerEntry.orcid_put_code))) == [1001, 1003, 2001]
    assert member.id == db.session.scalar(select(OrcidLink.member_id))


def test_a_forged_or_replayed_answer_is_refused(client, orcid):
    _member_client(client)
    start = client.get("/me/orcid/link")
    back = urlsplit(sign_in(start.location))
    forged = back.query.replace("state=", "state=x")
    answer = client.get(f"{back.path}?{forged}", follow_redirects=True)
    assert "does not belong to a link you started here" in answer.get_data(as_text=True)
    # the state is used up: even the genuine answer no longer links
    answer = client.get(f"{back.path}?{back.query}", follow_redirects=True)
    assert "does not belong to a link you started here" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OrcidLink)) == 0


def test_an_answer_without_a_started_link_is_refused(client, orcid):
    _member_client(client)
    answer = client.get("/me/orcid/callback?code=abc123&state=whatever", follow_redirects=True)
    assert "does not belong to a link you started here" in answer.get_data(as_text=True)
    assert "POST /oauth/token" not in orcid.requests


def test_member_denies_access_on_orcid(client, orcid):
    _member_client(client)
    start = client.get("/me/orcid/link")
    state = parse_qs(urlsplit(start.location).query)["state"][0]
    answer = client.get(f"/me/orcid/callback?error=access_denied&error_description=User+denied&state={state}",
                        follow_redirects=True)
    assert "nothing was linked" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OrcidLink)) == 0


def test_revoked_token_asks_to_link_again_and_saves_nothing(client, orcid):
    _member_client(client)
    _link(client)
    orcid.revoked = True
    answer = client.get("/me/orcid/import", follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Please link your ORCID iD again" in page and "Link again" in page
    answer = client.post("/me/orcid/import", data={"put_code": ["1001"], "role-1001": "faculty"},
                         follow_redirects=True)
    assert "Please link your ORCID iD again" in answer.get_data(as_text=True)
    assert _careers() == 0
    # linking again gives a fresh token, and the import works
    orcid.revoked = False
    _link(client)
    client.post("/me/orcid/import", data={"put_code": ["1001"], "role-1001": "faculty"})
    assert _careers() == 1


def test_malformed_json_saves_nothing(client, orcid):
    _member_client(client)
    _link(client)
    orcid.malformed = True
    answer = client.post("/me/orcid/import", data={"put_code": ["1001"], "role-1001": "faculty"},
                         follow_redirects=True)
    assert answer.status_code == 200
    assert "ORCID sent an answer we could not read. Nothing was saved." in answer.get_data(as_text=True)
    assert _careers() == 0


def test_slow_orcid_is_a_message_not_a_500(client, orcid, app, monkeypatch):
    _member_client(client)
    _link(client)
    monkeypatch.setitem(app.config, "ORCID_TIMEOUT", 0.3)
    orcid.delay = 1.0
    answer = client.get("/me/orcid/import", follow_redirects=True)
    assert answer.status_code == 200 and "ORCID could not be reached" in answer.get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {},  # nothing ticked
    {"put_code": ["1001"], "role-1001": "astronaut"},
    {"put_code": ["not-a-number"]},
    {"put_code": ["999"], "role-999": "other"},  # not on the record
])
def test_bad_choices_are_messages(client, orcid, data):
    _member_client(client)
    _link(client)
    answer = client.post("/me/orcid/import", data=data)
    assert answer.status_code == 302 and answer.location.endswith("/me/orcid/import")
    assert _careers() == 0


def test_unlink_asks_first(client, orcid):
    member, _user = _member_client(client)
    _link(client)
    ask = client.post("/me/orcid/unlink")
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "Unlink your ORCID iD?" in page and ORCID_URL in page
    assert db.session.scalar(select(func.count()).select_from(OrcidLink)) == 1
    done = client.post("/me/orcid/unlink", data={"confirmed": "1"})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OrcidLink)) == 0
    assert "Connect your ORCID iD" in client.get("/me").get_data(as_text=True)
    assert client.get("/me/orcid/import").status_code == 302  # nothing linked: back to the profile
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.member_id == member.id)))
    assert {"orcid.linked", "orcid.unlinked"} <= actions


def test_an_account_without_member_record(client, orcid):
    staff = make_user("staff", password=PASSWORD)
    login(client, staff)
    assert client.get("/me/orcid/link").status_code == 404


def test_api_record_carries_the_id_never_the_token(client, orcid, api):
    member, user = _member_client(client)
    _link(client)
    token = make_token(user)
    link = db.session.scalar(select(OrcidLink))
    own = api.get(f"/members/{member.id}", token=token)
    assert own.status_code == 200 and own.json["orcid"] == ORCID_URL
    staff_token = make_token(make_user("staff"))
    listed = api.get("/members", token=staff_token).json["items"]
    assert [m.get("orcid") for m in listed if m["id"] == member.id] == [ORCID_URL]
    other = make_member(visibility="members")
    other_token = make_token(make_user(member=other))
    seen = api.get(f"/members/{member.id}", token=other_token).json
    assert "orcid" not in seen
    for answer in (own, api.get("/members", token=staff_token)):
        assert link.access_token not in answer.get_data(as_text=True)
    audit = api.get(f"/audit?member={member.id}", token=staff_token).get_data(as_text=True)
    assert ORCID_ID in audit and link.access_token not in audit


@pytest.mark.parametrize(("method", "path", "member_answer"), [
    ("GET", "/me/orcid/link", 302), ("GET", "/me/orcid/callback", 302), ("GET", "/me/orcid/import", 302),
    ("POST", "/me/orcid/import", 302), ("POST", "/me/orcid/unlink", 302),
])
def test_who_may_use_the_orcid_pages(client, orcid, method, path, member_answer):
    """With ORCID set up: anonymous visitors are asked to log in, a member acts on their own
    record only (there is no member id in these paths), an account without a record gets 404."""
    anonymous = client.open(path, method=method)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    _member_client(client)
    assert client.open(path, method=method).status_code == member_answer
    client.post("/logout")
    login(client, make_user("staff", password=PASSWORD))
    assert client.open(path, method=method).status_code == 404


def test_the_orcid_pages_have_no_html_error(client, orcid, tmp_path):
    """The Nu HTML checker over /me (linked), the review page and the unlink confirmation."""
    from tests.htmlcheck import vnu_errors

    _member_client(client)
    unlinked = client.get("/me").get_data(as_text=True)
    _link(client)
    pages = {"me unlinked": unlinked, "me linked": client.get("/me").get_data(as_text=True),
             "review": client.get("/me/orcid/import").get_data(as_text=True),
             "unlink": client.post("/me/orcid/unlink").get_data(as_text=True)}
    client.post("/me/orcid/import", data={"put_code": ["1001", "1002", "2001"], "role-1001": "faculty",
                                          "role-1002": "researcher", "role-2001": "student"})
    pages["review, all imported"] = client.get("/me/orcid/import").get_data(as_text=True)
    assert "Everything on your ORCID record that can be imported is already in your record." in pages[
        "review, all imported"]
    assert vnu_errors(pages, tmp_path) == []
