"""Joining, links, consents, export and deletion — the rules of services/membership.py."""
from datetime import date

import pytest
from sqlalchemy import func, select

from alumni.errors import Conflict, Invalid
from alumni.models import (
    ApiToken,
    CareerEntry,
    Consent,
    ConsentKind,
    Member,
    Participation,
    ReturnVisit,
    StaffAccess,
    User,
)
from alumni.services import members, membership
from alumni.services.accounts import authenticate
from alumni.services.links import LinkPurpose, make_link_token, read_link_token
from alumni.services.membership import MailKind
from tests.factories import make_account, make_member, make_participation, make_token, make_user

PASSWORD = "a long enough passphrase"


def sign_up(db, email="new@example.org", password=PASSWORD, **kw):
    outcome = membership.sign_up(email, password, kw.pop("given_name", "Aiko"), kw.pop("family_name", "Tanaka"),
                                 accept_privacy=kw.pop("accept_privacy", True))
    db.session.commit()
    return outcome


def test_sign_up_makes_an_unverified_account_and_member_with_consent(db):
    outcome = sign_up(db)
    assert outcome.mail == MailKind.verify
    user = outcome.user
    assert user.email_verified_at is None and user.member.given_name == "Aiko"
    assert user.member.visibility.value == "hidden"  # not listed until its owner chooses
    consent = db.session.scalar(select(Consent).where(Consent.member_id == user.member_id))
    assert consent.kind == ConsentKind.privacy_notice and consent.granted and consent.recorded_at is not None


def test_sign_up_needs_the_privacy_notice_and_a_proper_password(db):
    with pytest.raises(Invalid) as err:
        sign_up(db, accept_privacy=False)
    assert "accept_privacy" in err.value.fields
    with pytest.raises(Invalid) as err:
        sign_up(db, password="short")
    assert "password" in err.value.fields
    with pytest.raises(Invalid) as err:
        sign_up(db, email="not an email")
    assert "email" in err.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_64_character_password_works(db):
    long_password = "correct horse battery staple " * 3  # 87 characters
    assert len(long_password) >= 64
    user = sign_up(db, password=long_password).user
    membership.confirm_email(make_link_token(user, LinkPurpose.verify))
    assert authenticate("new@example.org", long_password) == user


def test_sign_up_with_a_registered_email_changes_nothing_and_tells_the_owner(db):
    user = make_account("taken@example.org", password=PASSWORD)
    old_hash = user.password_hash
    outcome = sign_up(db, email="taken@example.org", password="someone else's password")
    assert outcome.mail == MailKind.already_registered and outcome.user.id == user.id
    assert db.session.get(User, user.id).password_hash == old_hash


def test_sign_up_links_an_imported_member_without_overwriting_it(db):
    member = make_member(email="imported@example.org", given_name="Priya", family_name="Sharma")
    make_participation(member)
    outcome = sign_up(db, email="imported@example.org", given_name="Someone", family_name="Else")
    assert outcome.user.member_id == member.id
    assert db.session.get(Member, member.id).given_name == "Priya"
    assert db.session.scalar(select(func.count(Member.id))) == 1


def test_verification_link_works_once(db):
    user = sign_up(db).user
    token = make_link_token(user, LinkPurpose.verify)
    assert membership.confirm_email(token) == user
    db.session.commit()
    assert user.email_verified_at is not None
    with pytest.raises(Invalid, match="already been used"):
        membership.confirm_email(token)


def test_signing_up_again_before_confirming_changes_nothing(db):
    """Account pre-hijacking (issue 23): a second sign-up for an address not yet confirmed must
    not replace the password — else whoever signs up last owns the account its owner confirms."""
    owner = sign_up(db, given_name="Aiko").user
    link = make_link_token(owner, LinkPurpose.verify)
    before = (owner.password_hash, owner.session_version, owner.email_verified_at, owner.member.given_name)
    outcome = sign_up(db, password="the attacker's passphrase", given_name="Mallory")
    assert outcome.mail == MailKind.already_registered and outcome.user.id == owner.id
    db.session.expire_all()
    owner = db.session.get(User, owner.id)
    assert (owner.password_hash, owner.session_version, owner.email_verified_at, owner.member.given_name) == before
    assert db.session.scalar(select(func.count(Consent.id))) == 1  # no second consent recorded either
    membership.confirm_email(link)  # the owner's link still works ...
    db.session.commit()
    assert authenticate("new@example.org", PASSWORD) == owner  # ... and only their password logs in
    assert authenticate("new@example.org", "the attacker's passphrase") is None


def test_links_expire(app, db, monkeypatch):
    user = sign_up(db).user
    token = make_link_token(user, LinkPurpose.verify)
    monkeypatch.setitem(app.config, "VERIFY_LINK_MAX_AGE", -1)  # any age is too old
    with pytest.raises(Invalid, match="expired"):
        membership.confirm_email(token)
    assert db.session.get(User, user.id).email_verified_at is None


def test_a_link_for_one_purpose_is_refused_for_another(db):
    user = make_account()
    token = make_link_token(user, LinkPurpose.verify)
    with pytest.raises(Invalid, match="not valid"):
        read_link_token(token, LinkPurpose.reset)
    with pytest.raises(Invalid, match="not valid"):
        read_link_token(token[:-3] + "abc", LinkPurpose.verify)


def test_reset_link_sets_the_password_once_and_ends_sessions(db):
    user = make_account("a@example.org")
    version = user.session_version
    outcome = membership.request_password_link("A@Example.org ")
    assert outcome.mail == MailKind.reset and outcome.user == user
    token = make_link_token(user, LinkPurpose.reset)
    membership.set_password_from_link(token, LinkPurpose.reset, "my brand new passphrase")
    db.session.commit()
    assert user.session_version > version
    assert authenticate("a@example.org", "my brand new passphrase") == user
    assert authenticate("a@example.org", PASSWORD) is None
    with pytest.raises(Invalid, match="already been used"):
        membership.set_password_from_link(token, LinkPurpose.reset, "yet another passphrase")


def test_reset_for_an_unknown_address_mails_nobody(db):
    assert membership.request_password_link("nobody@example.org").user is None
    assert membership.request_password_link("not an address").mail is None


def test_imported_member_claims_the_record(db):
    member = make_member(email="imported@example.org")
    outcome = membership.prepare_claim(member)
    db.session.commit()
    assert outcome.mail == MailKind.claim and outcome.user.member_id == member.id
    assert authenticate("imported@example.org", "") is None  # no password yet: cannot log in
    token = make_link_token(outcome.user, LinkPurpose.claim)
    user = membership.set_password_from_link(token, LinkPurpose.claim, "my own passphrase!")
    db.session.commit()
    assert user.email_verified_at is not None
    assert authenticate("imported@example.org", "my own passphrase!") == user
    with pytest.raises(Conflict):
        membership.prepare_claim(member)


def test_forgot_password_for_an_imported_member_sends_a_claim(db):
    make_member(email="imported@example.org")
    outcome = membership.request_password_link("imported@example.org")
    assert outcome.mail == MailKind.claim


def test_visibility_changes_are_recorded_as_consents(db):
    member = make_member(visibility="hidden")
    membership.update_profile(member, {"visibility": "public"})
    membership.update_profile(member, {"field": "Chemistry"})  # not a consent
    membership.update_profile(member, {"visibility": "hidden"})
    db.session.commit()
    rows = membership.list_consents(member)
    assert [(c.kind, c.granted) for c in rows] == [
        (ConsentKind.directory_listing, True), (ConsentKind.directory_listing, False)]


def test_only_staff_views_of_others_are_logged(db):
    member = make_member()
    staff = make_user("staff", email="hq@example.org")
    own = make_user("member", member=member)
    membership.log_staff_access(staff, member, "web:member_page")
    membership.log_staff_access(own, member, "web:member_page")
    db.session.commit()
    rows = db.session.scalars(select(StaffAccess)).all()
    assert [(r.actor_email, r.member_id, r.action) for r in rows] == [("hq@example.org", member.id, "web:member_page")]
    assert rows[0].at is not None


def _full_record(email="full@example.org"):
    user = make_account(email)
    member = user.member
    make_participation(member)
    members.add_career(member, {"organisation": "IIT Delhi", "country": "IN", "role": "researcher",
                                "start_date": date(2021, 1, 1)})
    members.add_return(member, {"purpose": "research", "start_date": date(2022, 4, 1)})
    membership.record_consent(member, ConsentKind.privacy_notice, True)
    make_token(user)
    return user


def test_export_holds_every_record_and_no_secret(db):
    user = _full_record()
    data = membership.export_member_data(user, user.member)
    assert data["member"]["email"] == "full@example.org"
    assert data["account"]["email"] == "full@example.org"
    assert len(data["participations"]) == 1 and data["participations"][0]["programme_code"] == "SSP-A"
    assert data["career_entries"][0]["organisation"] == "IIT Delhi"
    assert data["return_visits"][0]["purpose"] == "research"
    assert data["consents"][0]["kind"] == "privacy_notice"
    assert len(data["api_tokens"]) == 1
    text = repr(data)
    assert "password_hash" not in text and "token_hash" not in text and user.password_hash not in text


def test_delete_account_removes_personal_data(db):
    user = _full_record()
    other = _full_record("other@example.org")
    staff = make_user("staff", email="hq@example.org")
    membership.log_staff_access(staff, user.member, "web:member_page")
    db.session.commit()
    with pytest.raises(Invalid):
        membership.delete_account(user, "wrong password")
    membership.delete_account(user, PASSWORD)
    db.session.commit()
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "full@example.org")) == 0
    assert db.session.scalar(select(func.count(Member.id))) == 1  # only the other member is left
    for model in (Participation, CareerEntry, ReturnVisit, Consent, ApiToken):
        assert db.session.scalar(select(func.count(model.id))) == 1, model  # the other member's
    log = db.session.scalar(select(StaffAccess))
    assert log.member_id is None and log.actor_email == "hq@example.org"
    assert db.session.get(User, other.id).member is not None
