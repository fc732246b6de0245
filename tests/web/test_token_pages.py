"""API tokens on the account pages (issue 23, item 8): a member lists and revokes their own, logs
out everywhere (which revokes them all); staff list and revoke anyone's; a password change and
account deletion revoke them too. Revoked tokens answer 401."""
from __future__ import annotations

from sqlalchemy import select

from alumni.models import ApiToken
from alumni.services import tokens
from tests.factories import logged_in, login, make_account, make_token, make_user

PASSWORD = "a long enough passphrase"


def token_id(db, token: str) -> int:
    return db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == tokens.token_hash(token)))


def works(api, token: str) -> bool:
    status = api.get("/members", token).status_code
    assert status in (200, 401)
    return status == 200


def test_the_tokens_page_lists_only_my_tokens(client, db, api):
    me = logged_in(client, "me@example.org")
    mine = make_token(me)
    theirs = make_token(make_account("other@example.org"))
    assert works(api, mine)  # gives it a last use
    body = client.get("/me/tokens").get_data(as_text=True)
    assert f"#{token_id(db, mine)}" in body and f"#{token_id(db, theirs)}" not in body
    assert "Active" in body and "None" not in body
    assert "onclick" not in body and "confirm(" not in body  # CSP: no inline script
    assert f'action="/tokens/{token_id(db, mine)}/revoke"' in body
    assert 'action="/me/logout-everywhere"' in body
    assert "/me/tokens" in client.get("/me").get_data(as_text=True)  # the account page leads there


def test_the_tokens_page_without_tokens_says_so(client):
    logged_in(client, "me@example.org")
    body = client.get("/me/tokens").get_data(as_text=True)
    assert "You have no API tokens." in body


def test_a_member_revokes_their_own_token(client, db, api):
    me = logged_in(client, "me@example.org")
    first, second = make_token(me), make_token(me)
    r = client.post(f"/tokens/{token_id(db, first)}/revoke", data={"confirmed": "1"})
    assert r.status_code == 302 and r.headers["Location"] == "/me/tokens"
    assert not works(api, first) and works(api, second)
    assert "Revoked" in client.get("/me/tokens").get_data(as_text=True)


def test_nobody_else_may_revoke_a_members_token(client, db, api):
    victim_token = make_token(make_account("victim@example.org"))
    logged_in(client, "intruder@example.org")
    assert client.post(f"/tokens/{token_id(db, victim_token)}/revoke").status_code == 404
    assert works(api, victim_token)
    organizer = make_user("organizer", email="org@example.org", password=PASSWORD)
    other = client.application.test_client()
    login(other, organizer)
    assert other.post(f"/tokens/{token_id(db, victim_token)}/revoke").status_code == 404
    assert works(api, victim_token)


def test_staff_list_and_revoke_anyones_token(client, db, api):
    member_token = make_token(make_account("alumna@example.org"))
    revoked = make_token(make_account("gone@example.org"))
    tokens.revoke_token(db.session.get(ApiToken, token_id(db, revoked)))
    db.session.commit()
    make_user("staff", email="hq@example.org", password=PASSWORD)
    assert client.post("/login", data={"email": "hq@example.org", "password": PASSWORD}).status_code == 302
    body = client.get("/staff/tokens").get_data(as_text=True)
    assert "alumna@example.org" in body and f"#{token_id(db, member_token)}" in body
    assert "gone@example.org" not in body  # only tokens that still open something
    r = client.post(f"/tokens/{token_id(db, member_token)}/revoke", data={"confirmed": "1"})
    assert r.status_code == 302 and r.headers["Location"] == "/staff/tokens"
    assert not works(api, member_token)


def test_log_out_everywhere_ends_sessions_and_revokes_tokens(client, db, api):
    """Regression: API tokens survived "log out everywhere"."""
    me = logged_in(client, "me@example.org")
    token = make_token(me)
    elsewhere = client.application.test_client()
    assert elsewhere.post("/login", data={"email": "me@example.org", "password": PASSWORD}).status_code == 302
    r = client.post("/me/logout-everywhere", data={"confirmed": "1"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert not works(api, token)
    assert elsewhere.get("/me").status_code == 302 and client.get("/me").status_code == 302


def test_a_password_change_on_the_page_revokes_tokens(client, api):
    """Regression: API tokens survived a password change."""
    me = logged_in(client, "me@example.org")
    token = make_token(me)
    r = client.post("/me/password", data={"current_password": PASSWORD, "password": "a brand new passphrase"})
    assert r.status_code == 302
    assert not works(api, token)


def test_deleting_the_account_revokes_tokens(client, api):
    me = logged_in(client, "me@example.org")
    token = make_token(me)
    r = client.post("/me/delete", data={"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302
    assert not works(api, token)


def test_an_expired_token_answers_401_with_the_usual_error(client, db, api):
    from datetime import timedelta

    from alumni.models.types import utcnow

    token = make_token(make_account("me@example.org"))
    db.session.get(ApiToken, token_id(db, token)).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    r = api.get("/members", token)
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_revoking_and_logging_out_everywhere_ask_first(client, db, api):
    """Nothing destructive without a confirmation: the first POST answers a page saying what will
    happen, and changes nothing; only its own button (confirmed=1) acts."""
    me = logged_in(client, "me@example.org")
    token = make_token(me)
    asked = client.post(f"/tokens/{token_id(db, token)}/revoke").get_data(as_text=True)
    assert "Revoke this token?" in asked and 'name="confirmed" value="1"' in asked
    assert works(api, token)  # still works
    asked = client.post("/me/logout-everywhere").get_data(as_text=True)
    assert "Log out everywhere?" in asked and 'name="confirmed" value="1"' in asked
    assert client.get("/me/tokens").status_code == 200 and works(api, token)  # still logged in, still works
