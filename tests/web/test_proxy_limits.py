"""Rate limits behind a proxy (issue 23, item 6): the client's address comes from a configured
number of trusted proxy hops; login limits count per (account, client) under a much higher
per-account ceiling, so nobody can lock an account's owner out from another address."""
from __future__ import annotations

import pytest

from tests.factories import deliver_mail, make_account

PASSWORD = "a long enough passphrase"
PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the TLS proxy


def submit_login(client, email, password=PASSWORD, client_address=None, **environ):
    headers = {"X-Forwarded-For": client_address} if client_address else {}
    return client.post("/login", data={"email": email, "password": password}, headers=headers,
                       environ_base={**PROXY, **environ})


@pytest.fixture
def behind_proxy(app, monkeypatch):
    """The app as deployed behind one TLS proxy (PROXY_HOPS=1)."""
    from alumni import install_proxy_fix

    monkeypatch.setitem(app.config, "PROXY_HOPS", 1)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # put back after the test
    install_proxy_fix(app)
    return app


@pytest.fixture
def low_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "3 per 15 minutes")


def test_behind_the_proxy_one_client_does_not_lock_out_the_others(behind_proxy, client, low_limits):
    """Regression: every client shared the proxy's address, so one client's failures locked
    everyone out of login."""
    codes = [submit_login(client, f"user{i}@example.org", "wrong password!", "203.0.113.5").status_code for i in range(4)]
    assert codes == [422, 422, 422, 429]
    make_account("a@example.org")
    assert submit_login(client, "a@example.org", PASSWORD, "198.51.100.7").status_code == 302


def test_behind_the_proxy_the_client_cannot_choose_its_address(behind_proxy, client, low_limits):
    """Only the address the trusted proxy appended counts: a forged X-Forwarded-For chain does not
    buy a fresh count."""
    codes = [submit_login(client, f"user{i}@example.org", "wrong password!", f"192.0.2.{i}, 203.0.113.5").status_code
             for i in range(4)]
    assert codes == [422, 422, 422, 429]


def test_without_a_configured_proxy_x_forwarded_for_is_ignored(app, client, low_limits):
    """The default (PROXY_HOPS=0) trusts no header: a client talking to the app directly cannot
    escape its limit by sending X-Forwarded-For."""
    assert app.config["PROXY_HOPS"] == 0
    codes = [submit_login(client, f"user{i}@example.org", "wrong password!", f"192.0.2.{i}").status_code for i in range(4)]
    assert codes == [422, 422, 422, 429]


def test_proxy_hops_come_from_the_environment(monkeypatch):
    from alumni.config import _hops

    monkeypatch.delenv("PROXY_HOPS", raising=False)
    assert _hops("PROXY_HOPS") == 0  # no proxy trusted unless configured
    monkeypatch.setenv("PROXY_HOPS", "2")
    assert _hops("PROXY_HOPS") == 2
    for wrong in ("two", "-1", "1.5", "99"):
        monkeypatch.setenv("PROXY_HOPS", wrong)
        with pytest.raises(RuntimeError, match="PROXY_HOPS"):
            _hops("PROXY_HOPS")


def test_the_forwarded_scheme_and_address_are_trusted_behind_the_proxy(behind_proxy, client):
    from flask import request

    seen = []

    def look():
        seen.append((request.scheme, request.remote_addr))

    hooks = behind_proxy.before_request_funcs.setdefault(None, [])
    hooks.append(look)
    try:
        client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"},
                   environ_base=PROXY)
    finally:
        hooks.remove(look)
    assert seen == [("https", "203.0.113.5")]


def test_a_stranger_cannot_lock_the_owner_out(app, client):
    """Regression: ten wrong passwords from anyone locked the real owner out for 15 minutes.
    Failures count per (account, client address); the owner, from another address, logs in."""
    make_account("owner@example.org")
    stranger = [submit_login(client, "owner@example.org", "wrong password!", REMOTE_ADDR="203.0.113.66").status_code
                for _ in range(12)]
    assert stranger[:10] == [422] * 10 and stranger[10:] == [429, 429]
    assert submit_login(client, "owner@example.org", REMOTE_ADDR="198.51.100.1").status_code == 302


def test_the_account_still_has_a_ceiling_over_all_addresses(app, client, monkeypatch):
    """Many addresses guessing one account's password still meet a (much higher) ceiling."""
    make_account("owner@example.org")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    codes = [submit_login(client, "owner@example.org", "wrong password!", REMOTE_ADDR=f"192.0.2.{i}").status_code
             for i in range(6)]
    assert codes == [422] * 5 + [429]


def test_another_spelling_of_the_address_counts_against_the_same_limit(app, client):
    """The limit keys on the address as the services normalise it (IDNA, NFC, case): writing
    the domain in punycode, or in capitals, buys a stranger no fresh attempts."""
    make_account("owner@bücher.example")
    spellings = ["owner@bücher.example", "OWNER@xn--bcher-kva.example", "Owner@BÜCHER.example"]
    codes = [submit_login(client, spellings[i % 3], "wrong password!", REMOTE_ADDR="203.0.113.66").status_code
             for i in range(12)]
    assert codes[:10] == [422] * 10 and codes[10:] == [429, 429]


def test_the_default_ceiling_is_much_higher_than_the_per_client_limit(app):
    from limits import parse

    per_client = parse(app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"])
    ceiling = parse(app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    assert per_client.amount == 10 and ceiling.amount >= 10 * per_client.amount
    assert ceiling.get_expiry() == per_client.get_expiry()


def test_a_stranger_cannot_use_up_the_owners_reset_requests(app, client, mailbox):
    """The reset page's per-account count is per (account, client) too: the owner's own request
    from another address is answered, not refused."""
    make_account("owner@example.org")
    for _ in range(4):
        client.post("/reset", data={"email": "owner@example.org"}, environ_base={"REMOTE_ADDR": "203.0.113.66"})
    r = client.post("/reset", data={"email": "owner@example.org"}, environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert r.status_code == 200


# ---- per-recipient limits on mail a stranger can cause, through the pages ----------------------
def _signup(client, email, address, name="Aiko"):
    data = {"given_name": name, "family_name": "", "email": email, "password": PASSWORD, "accept_privacy": "y"}
    return client.post("/signup", data=data, environ_base={"REMOTE_ADDR": address})


def test_sign_ups_from_many_addresses_mail_one_recipient_at_most_the_cap(client, mailbox):
    """Regression: each sign-up for one address, from as many client addresses as wanted, sent
    one more confirmation mail. Beyond the cap the answer is the same page and no mail goes."""
    answers = [_signup(client, "victim@example.org", f"192.0.2.{i}", name="Visit evil.example") for i in range(10)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_data(as_text=True) for a in answers}) == 1
    deliver_mail()  # the worker sends what the requests queued
    assert len(mailbox.to("victim@example.org")) == 5


def test_sign_ups_for_a_registered_address_mail_its_owner_at_most_the_cap(client, mailbox):
    make_account("owner@example.org")
    answers = [_signup(client, "owner@example.org", f"192.0.2.{i}") for i in range(10)]
    assert {a.status_code for a in answers} == {200}
    deliver_mail()  # the worker sends what the requests queued
    assert len(mailbox.to("owner@example.org")) == 5


def test_reset_requests_from_many_addresses_mail_one_recipient_at_most_the_cap(client, mailbox):
    make_account("owner@example.org")
    answers = [client.post("/reset", data={"email": "owner@example.org"}, environ_base={"REMOTE_ADDR": f"192.0.2.{i}"})
               for i in range(10)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_data(as_text=True) for a in answers}) == 1
    deliver_mail()  # the worker sends what the requests queued
    assert len(mailbox.to("owner@example.org")) == 5
