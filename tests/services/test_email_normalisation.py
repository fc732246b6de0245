"""One address, one spelling (issue 23, item 5): the domain through IDNA (`bücher.example` and
`xn--bcher-kva.example` are one domain), the text in Unicode NFC, the whole address lower-cased —
by `alumni.services.validation.email`, wherever an address enters: sign-up, login, reset, the
API, the import (CLI and upload), `users create`, `tokens create`."""
from __future__ import annotations

import io
import unicodedata

import pytest
from sqlalchemy import func, select

from alumni.errors import Conflict
from alumni.extensions import db
from alumni.models import Member, Participation, User
from alumni.services import validation as v
from alumni.services.imports import COLUMNS, import_members, read_rows
from tests.factories import make_member, make_token, make_user

UNICODE = "ana@bücher.example"
PUNYCODE = "ANA@XN--BCHER-KVA.EXAMPLE"
NFD = unicodedata.normalize("NFD", "Ana@Bücher.example")
JOSE_NFC = "josé@example.org"
JOSE_NFD = unicodedata.normalize("NFD", "JOSÉ@example.org")
PASSWORD = "a long enough passphrase"


def test_the_spellings_of_one_address_normalise_to_one():
    assert v.email(UNICODE) == v.email(PUNYCODE) == v.email(NFD) == "ana@bücher.example"
    assert v.email(JOSE_NFD) == v.email(JOSE_NFC) == JOSE_NFC
    assert unicodedata.is_normalized("NFC", v.email(JOSE_NFD))
    # Lookups use the same function; a text that is no address finds nothing (and raises nothing).
    assert v.email_key(PUNYCODE) == UNICODE and v.email_key("not an address") is None


def test_login_reset_and_sign_up_find_the_account_whatever_the_spelling(client):
    from alumni.services.accounts import authenticate, find_user_by_email
    from alumni.services.membership import MailKind, request_password_link, sign_up

    user = make_user("member", email=UNICODE, password=PASSWORD)
    assert user.email == UNICODE
    assert find_user_by_email(PUNYCODE) == user and find_user_by_email(NFD) == user
    assert authenticate(PUNYCODE, PASSWORD) == user
    assert request_password_link(PUNYCODE).user == user
    assert sign_up(NFD, PASSWORD, "Ana", accept_privacy=True).mail == MailKind.already_registered
    db.session.rollback()
    r = client.post("/login", data={"email": PUNYCODE, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)


def test_api_and_cli_store_one_spelling_and_see_the_other_as_taken(api, runner):
    token = make_token(make_user("staff"))
    r = api.post("/members", token, json={"email": PUNYCODE, "given_name": "Ana", "country": "DE"})
    assert r.status_code == 201 and r.get_json()["email"] == UNICODE
    r = api.post("/members", token, json={"email": NFD, "given_name": "Ana", "country": "DE"})
    assert r.status_code == 409
    other = make_member(email="other@example.org")
    r = api.patch(f"/members/{other.id}", token, json={"email": PUNYCODE})
    assert r.status_code == 409
    result = runner.invoke(args=["users", "create", NFD, "--role", "member"])
    assert result.exit_code == 0 and UNICODE in result.output, result.output
    assert db.session.scalar(select(User.member_id).where(User.email == UNICODE)) == \
        db.session.scalar(select(Member.id).where(Member.email == UNICODE))
    result = runner.invoke(args=["users", "create", PUNYCODE, "--role", "staff"])
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke(args=["tokens", "create", PUNYCODE])
    assert result.exit_code == 0, result.output
    with pytest.raises(Conflict):
        from alumni.services.accounts import create_user

        create_user(PUNYCODE, "member")


HEADER = ",".join(COLUMNS)


def _row(email, programme="SSP-A", start="2019-07-01", end="2019-07-07", fy="2019", country="DE"):
    return f"{email},Ana,Buch,,{country},en,,{programme},{fy},inbound,{start},{end},,,,"


def _import(text, *, dry_run=False, batch_members=1000):
    rows = list(read_rows(io.StringIO(text)))
    return import_members(rows, end_batch=db.session.rollback if dry_run else db.session.commit,
                          batch_members=batch_members)


def test_two_spellings_in_one_import_file_are_one_member():
    """Regression: IDN and NFC/NFD spellings of one address answered 500 (a unique constraint),
    the dry run too, and left earlier batches written. They are one member now, as rows with the
    same email always were."""
    text = "\n".join([HEADER, _row("first@example.org"), _row(UNICODE),
                      _row(PUNYCODE, programme="LOTUS", start="2020-09-01", end="2021-03-31", fy="2020"),
                      _row(NFD, programme="SSP-B", start="2021-07-01", end="2021-07-20", fy="2021"),
                      _row(JOSE_NFC), _row(JOSE_NFD, programme="SSP-B", start="2021-07-01",
                                                   end="2021-07-20", fy="2021")])
    for batch in (1, 1000):
        report = _import(text, dry_run=True, batch_members=batch)
        assert report.summary() == "created 3, updated 0, unchanged 0, rejected 0", report.rejected
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    report = _import(text, batch_members=1)
    assert report.summary() == "created 3, updated 0, unchanged 0, rejected 0", report.rejected
    assert set(db.session.scalars(select(Member.email))) == {"first@example.org", UNICODE, JOSE_NFC}
    ana = db.session.scalar(select(Member).where(Member.email == UNICODE))
    assert sorted(p.programme_code for p in ana.participations) == ["LOTUS", "SSP-A", "SSP-B"]
    # The same file again, in another spelling: the stored member is found, nothing is added.
    again = text.replace(UNICODE, "ana@XN--BCHER-KVA.example")
    assert _import(again).summary() == "created 0, updated 0, unchanged 3, rejected 0"


def test_two_spellings_that_disagree_give_a_rejected_row_not_a_500():
    text = "\n".join([HEADER, _row(UNICODE), _row(PUNYCODE, country="AT", programme="LOTUS",
                                                   start="2020-09-01", end="2021-03-31", fy="2020"),
                      _row(NFD)])
    report = _import(text)
    assert [problem[0] for problem in report.rejected] == [3, 4]
    assert "line 2" in report.rejected[0][3] and "line 2" in report.rejected[1][3]
    assert report.created == 1
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
