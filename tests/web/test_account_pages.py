"""Sign-up, confirmation, reset, claim and rate limits through the test client, with mail
received by a real SMTP server on a loopback port."""
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from alumni.models import User
from tests.factories import deliver_mail, make_account, make_member, make_user
from tests.sqlcount import Statements

PASSWORD = "a long enough passphrase"
LINK = re.compile(r"http://alumni\.test(/(?:verify|reset|claim)/[\w.\-]+)")


def link_in(mail) -> str:
    return LINK.search(mail.text()).group(1)


def signup(client, email="aiko@example.org", password=PASSWORD, **extra):
    data = {"given_name": "Aiko", "family_name": "Tanaka", "email": email, "password": password,
            "accept_privacy": "y", **extra}
    return client.post("/signup", data=data)


def submit_login(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def test_sign_up_confirm_then_log_in(client, mailbox):
    r = signup(client)
    assert r.status_code == 200 and "Check your mail" in r.get_data(as_text=True)
    deliver_mail()
    [mail] = mailbox.to("aiko@example.org")
    assert submit_login(client, "aiko@example.org").status_code == 422  # not confirmed yet
    deliver_mail()
    assert len(mailbox.to("aiko@example.org")) == 2  # ... and a fresh link was sent
    r = client.get(link_in(mail))  # the account did not change in between: the first link still works
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert client.get(link_in(mail)).status_code == 400  # single use
    r = submit_login(client, "aiko@example.org")
    assert r.status_code == 302
    assert "Aiko Tanaka" in client.get("/me").get_data(as_text=True)


def test_sign_up_answers_alike_for_a_registered_email(client, mailbox):
    make_account("taken@example.org")
    a = signup(client, email="taken@example.org")
    b = signup(client, email="fresh@example.org")
    assert a.status_code == b.status_code == 200
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "EMAIL")  # noqa: E731
    assert strip(a, "taken@example.org") == strip(b, "fresh@example.org")
    deliver_mail()
    assert "already has an account" in mailbox.to("taken@example.org")[0].text()
    assert "/verify/" in mailbox.to("fresh@example.org")[0].text()


def test_sign_up_again_before_confirming_answers_alike_and_only_mails_the_owner(client, db):
    """Pre-hijacking (issue 23): the second sign-up changes nothing, answers as a new sign-up
    does, and the address gets the "already registered" mail — for an account not yet confirmed,
    with a link that lets whoever reads that mailbox choose the password."""
    from alumni.models import OutgoingMail
    from alumni.services.accounts import authenticate

    signup(client, email="aiko@example.org")
    hash_before = db.session.scalar(sa.select(User.password_hash).where(User.email == "aiko@example.org"))
    again = signup(client, email="aiko@example.org", password="the attacker's passphrase", given_name="Mallory")
    fresh = signup(client, email="fresh@example.org")
    assert again.status_code == fresh.status_code == 200
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "EMAIL")  # noqa: E731
    assert strip(again, "aiko@example.org") == strip(fresh, "fresh@example.org")
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.password_hash).where(User.email == "aiko@example.org")) == hash_before
    kinds = list(db.session.scalars(sa.select(OutgoingMail.kind).where(OutgoingMail.recipient == "aiko@example.org")
                                    .order_by(OutgoingMail.id)))
    assert kinds == ["account-verify", "account-already_registered"]
    text = db.session.scalar(sa.select(OutgoingMail.text_body).where(
        OutgoingMail.kind == "account-already_registered"))
    reset_path = LINK.search(text).group(1)
    assert reset_path.startswith("/reset/") and "Mallory" not in text
    r = client.post(reset_path, data={"password": "the owner's new passphrase", "confirm": "the owner's new passphrase"})
    assert r.status_code == 302
    db.session.expire_all()
    assert authenticate("aiko@example.org", "the owner's new passphrase") is not None
    assert authenticate("aiko@example.org", "the attacker's passphrase") is None


def test_sign_up_errors_are_shown_next_to_the_field(client):
    r = signup(client, password="short")
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="password-error"' in body and "at least 10 characters" in body
    # the input says it is invalid and points at its hint and its error (screen readers read both)
    assert 'aria-describedby="password-hint password-error"' in body and 'aria-invalid="true"' in body
    assert '"None"' not in body
    r = signup(client, accept_privacy="")
    assert r.status_code == 422 and 'id="accept_privacy-error"' in r.get_data(as_text=True)
    assert client.application.extensions["sqlalchemy"].session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_forms_need_a_csrf_token(app, client, monkeypatch):
    """A form sent without a valid token (expired, or forged) does nothing; the person is taken
    back to the form with what they typed, passwords aside, and told why."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    r = client.post("/signup", data={"given_name": "Aiko", "family_name": "Tanaka", "email": "aiko@example.org",
                                     "password": PASSWORD, "accept_privacy": "y", "csrf_token": "stale"},
                    headers={"Referer": "http://localhost/signup"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/signup")
    assert client.application.extensions["sqlalchemy"].session.scalar(sa.select(sa.func.count(User.id))) == 0
    page = client.get("/signup")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "The form had expired, so nothing was sent." in body
    assert 'value="Aiko"' in body and 'value="Tanaka"' in body and 'value="aiko@example.org"' in body
    assert PASSWORD not in body
    assert 'name="csrf_token"' in body  # a fresh token: sending it again works
    again = client.get("/signup").get_data(as_text=True)  # the typed values are shown once
    assert 'value="Aiko"' not in again


def test_an_expired_form_on_another_page_goes_back_to_that_page(app, client, monkeypatch):
    """The referrer decides where the person returns (an answer button posts elsewhere); a
    referrer on another host is not followed."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    r = client.post("/login", data={"email": "aiko@example.org", "password": PASSWORD},
                    headers={"Referer": "http://localhost/login?next=/me"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/login?next=/me")
    body = client.get("/login?next=/me").get_data(as_text=True)
    assert 'value="aiko@example.org"' in body and PASSWORD not in body
    r = client.post("/login", data={"email": "x@example.org"}, headers={"Referer": "https://evil.example/login"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/login")
    assert "evil" not in r.headers["Location"]
    body = client.get("/login").get_data(as_text=True)
    assert "x@example.org" not in body  # another site's post is not written into our form …
    assert "Please fill it in and send it again." in body  # … but the person is told what happened


def test_password_reset_by_mail(client, mailbox):
    make_account("a@example.org")
    other = client.application.test_client()
    submit_login(other, "a@example.org")
    r = client.post("/reset", data={"email": "a@example.org"})
    assert r.status_code == 200
    deliver_mail()
    link = link_in(mailbox.to("a@example.org")[0])
    assert "a@example.org" in client.get(link).get_data(as_text=True)
    r = client.post(link, data={"password": "my new passphrase!"})
    assert r.status_code == 302
    assert submit_login(client, "a@example.org").status_code == 422
    assert submit_login(client, "a@example.org", "my new passphrase!").status_code == 302
    assert client.post(link, data={"password": "and another one!!"}).status_code == 400  # used
    assert "Log in" in other.get("/").get_data(as_text=True)  # the other session has ended


def test_reset_answers_alike_whether_the_address_exists(client, mailbox):
    make_account("a@example.org")
    a = client.post("/reset", data={"email": "a@example.org"}).get_data(as_text=True)
    b = client.post("/reset", data={"email": "b@example.org"}).get_data(as_text=True)
    assert a.replace("a@example.org", "X") == b.replace("b@example.org", "X")
    deliver_mail()
    assert len(mailbox.messages) == 1


def test_reset_leaves_no_work_after_the_response_the_worker_sends_the_mail(client, mailbox):
    """Issue 23, item 4: work done after the page held the kept-alive connection longer for a
    registered address. The request only queues; the `mail deliver` worker does the rest."""
    make_account("a@example.org")
    response = client.post("/reset", data={"email": "a@example.org"}, buffered=False)
    assert response.status_code == 200
    response.close()  # what the WSGI server does once the page is out: nothing runs now
    assert mailbox.to("a@example.org") == []
    deliver_mail()
    [mail] = mailbox.to("a@example.org")
    assert "/reset/" in mail.text()


def _reset_statements(client, email: str) -> list[str]:
    with Statements() as sent:
        response = client.post("/reset", data={"email": email})  # closed on return: all its work
    assert response.status_code == 200
    return sent.sql


def test_reset_does_the_same_work_for_a_registered_and_an_unknown_address(client, mailbox):
    """The same statements, whether the address has an account, an imported record or nothing:
    the request's timing cannot depend on it."""
    make_account("a@example.org")
    make_member(email="imported@example.org")
    registered = _reset_statements(client, "a@example.org")
    assert registered == _reset_statements(client, "imported@example.org")
    assert registered == _reset_statements(client, "nobody@example.org")
    assert mailbox.messages == []
    deliver_mail()
    assert sorted(m.rcpt_tos[0] for m in mailbox.messages) == ["a@example.org", "imported@example.org"]


def test_sign_up_mail_is_sent_by_the_worker_not_after_the_page(client, mailbox):
    response = client.post("/signup", data={"given_name": "Aiko", "email": "aiko@example.org", "password": PASSWORD,
                                            "accept_privacy": "y"}, buffered=False)
    assert response.status_code == 200
    response.close()
    assert mailbox.to("aiko@example.org") == []
    deliver_mail()
    assert "/verify/" in mailbox.to("aiko@example.org")[0].text()


def test_a_failure_in_the_worker_is_logged_and_the_request_is_not_retried_forever(client, mailbox, monkeypatch,
                                                                                  caplog):
    from alumni.services import mail_worker

    def broken(_email):
        raise RuntimeError("a bug")

    monkeypatch.setattr(mail_worker, "request_password_link", broken)
    make_account("a@example.org")
    response = client.post("/reset", data={"email": "a@example.org"})
    assert response.status_code == 200 and "Check your mail" in response.get_data(as_text=True)
    deliver_mail()
    assert "password-link request failed" in caplog.text and mailbox.messages == []
    monkeypatch.undo()
    deliver_mail()
    assert mailbox.messages == []  # dropped, not tried again at every poll


def test_expired_reset_link_is_refused(app, client, mailbox, monkeypatch):
    make_account("a@example.org")
    client.post("/reset", data={"email": "a@example.org"})
    deliver_mail()
    link = link_in(mailbox.to("a@example.org")[0])
    monkeypatch.setitem(app.config, "RESET_LINK_MAX_AGE", -1)
    r = client.post(link, data={"password": "my new passphrase!"})
    assert r.status_code == 400 and "expired" in r.get_data(as_text=True)
    assert submit_login(client, "a@example.org").status_code == 302  # the old password still works


def test_staff_sends_a_claim_link_to_an_imported_member(client, mailbox):
    member = make_member(email="imported@example.org", given_name="Kwame")
    make_user("staff", email="hq@example.org", password=PASSWORD)
    submit_login(client, "hq@example.org")
    r = client.post(f"/members/{member.id}/claim-link")
    assert r.status_code == 302
    client.post("/logout")
    deliver_mail()
    [mail] = mailbox.to("imported@example.org")
    assert "Kwame" in mail.text()
    assert client.post(link_in(mail), data={"password": "kwame's passphrase"}).status_code == 302
    assert submit_login(client, "imported@example.org", "kwame's passphrase").status_code == 302
    assert "Kwame" in client.get("/me").get_data(as_text=True)


def test_members_cannot_send_claim_links(client):
    member = make_member()
    make_account("a@example.org")
    submit_login(client, "a@example.org")
    assert client.post(f"/members/{member.id}/claim-link").status_code == 403


def test_login_is_limited_per_account(app, client, monkeypatch):
    make_account("a@example.org")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    codes = [submit_login(client, "a@example.org", "wrong password!").status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    assert submit_login(client, "a@example.org").status_code == 429  # even the right password waits
    # Another account from the same address is not held up, and an unknown address is
    # limited exactly like a real one (the limit tells nothing about which exist).
    assert submit_login(client, "b@example.org", "wrong password!").status_code == 422
    codes = [submit_login(client, "nobody@example.org", "x").status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
def test_login_is_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    codes = [submit_login(client, f"user{i}@example.org", "wrong password!").status_code for i in range(4)]
    assert codes == [422, 422, 422, 429]
    other = client.post("/login", data={"email": "z@example.org", "password": "x"},
                        environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 422
def test_reset_is_limited_per_account(app, client, mailbox):
    make_account("a@example.org")
    codes = [client.post("/reset", data={"email": "a@example.org"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    deliver_mail()
    assert len(mailbox.to("a@example.org")) == 3


WORKER = """
import sys
from alumni import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
                  "RATELIMIT_KEY_PREFIX": sys.argv[2], "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
                  "MAIL_FILE_DIR": sys.argv[3]})
client = app.test_client()
codes = [client.post("/login", data={"email": "a@example.org", "password": "wrong password!"}).status_code
         for _ in range(int(sys.argv[4]))]
print(" ".join(map(str, codes)))
"""


def test_limits_are_shared_between_workers_through_redis(database_url, tmp_path):
    """Two worker processes, one Redis: together they get the three attempts, not three each."""
    redis = pytest.importorskip("redis")
    server = redis.Redis(host="127.0.0.1", port=6379)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("ALUMNI_REQUIRE_BROWSER") == "1":  # CI: Redis must be there
            pytest.fail("Redis at 127.0.0.1:6379 is not running.")
        pytest.skip("Redis at 127.0.0.1:6379 is not running.")
    prefix = f"alumni-test-{uuid.uuid4().hex}"
    env = {**os.environ, "ALUMNI_ENV": "testing"}
    root = Path(__file__).resolve().parents[2]

    def worker(attempts: int) -> list[int]:
        out = subprocess.run([sys.executable, "-c", WORKER, database_url, prefix, str(tmp_path), str(attempts)],
                             capture_output=True, text=True, env=env, cwd=root, timeout=120)
        assert out.returncode == 0, out.stderr
        return [int(c) for c in out.stdout.split()]

    try:
        assert worker(2) == [422, 422]
        assert worker(2) == [422, 429]
        assert server.keys(f"*{prefix}*")  # the counts really live in Redis
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)


def test_logout_ends_a_copied_session_and_remember_cookie(app, client):
    make_account("a@example.org")
    r = client.post("/login", data={"email": "a@example.org", "password": PASSWORD, "remember": "y"})
    assert r.status_code == 302
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", session_cookie)
    thief.set_cookie("remember_token", remember_cookie)
    assert thief.get("/me").status_code == 302  # sent to the login page
    assert "Log in" in thief.get("/").get_data(as_text=True)


def test_a_new_session_at_login(client):
    make_account("a@example.org")
    with client.session_transaction() as s:
        s["planted"] = "by someone else"
    submit_login(client, "a@example.org")
    with client.session_transaction() as s:
        assert "planted" not in s
