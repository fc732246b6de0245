"""Changing a member's email (issue 23, item 3): a member's new address takes effect only once
that address confirms a signed link; the old address is told; nothing answers 500 on a unique
constraint — the services check first and say what is wrong."""
import re

import pytest
from sqlalchemy import func, select

from alumni.errors import Conflict, Invalid
from alumni.models import Member, OutgoingMail, User
from alumni.services import email_change, membership
from alumni.services.accounts import authenticate, create_user
from alumni.services.links import LinkPurpose, make_link_token
from tests.factories import make_account, make_member, make_user

PASSWORD = "a long enough passphrase"
CONFIRM = re.compile(r"http://alumni\.test/email/([\w.\-]+)")


def mails_to(db, address: str) -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == address)
                                   .order_by(OutgoingMail.id)))


def token_in(mail: OutgoingMail) -> str:
    return CONFIRM.search(mail.text_body).group(1)


def change_own_email(db, user, new: str):
    member = membership.update_profile(user.member, {"email": new}, actor=user)
    db.session.commit()
    return member


def test_a_members_new_address_waits_for_its_confirmation_and_the_old_one_is_told(db):
    user = make_account("old@example.org")
    member = change_own_email(db, user, "New@Example.org")
    assert member.email == "old@example.org" and member.pending_email == "new@example.org"
    assert db.session.get(User, user.id).email == "old@example.org"
    [confirm] = mails_to(db, "new@example.org")
    [notice] = mails_to(db, "old@example.org")
    assert "new@example.org" in notice.text_body and "/email/" not in notice.text_body
    email_change.confirm_email_change(token_in(confirm))
    db.session.commit()
    db.session.expire_all()
    member, user = db.session.get(Member, member.id), db.session.get(User, user.id)
    assert (member.email, member.pending_email, user.email) == ("new@example.org", None, "new@example.org")
    assert authenticate("new@example.org", PASSWORD) == user  # the account follows its record
    with pytest.raises(Invalid, match="already been used"):
        email_change.confirm_email_change(token_in(confirm))


def test_the_real_owner_signs_up_after_an_attempted_squat(db):
    """The red team's squat: a member sets their record's email to someone else's address. The
    owner's sign-up then works (it answered 500 on uq_users_member_id), and the squatter's link,
    if the owner ever opened it, changes nothing."""
    squatter = make_account("squatter@example.org")
    change_own_email(db, squatter, "victim@example.org")
    [confirm] = mails_to(db, "victim@example.org")
    outcome = membership.sign_up("victim@example.org", PASSWORD, "Victor", accept_privacy=True)
    db.session.commit()
    owner = outcome.user
    assert outcome.mail == membership.MailKind.verify and owner.member.email == "victim@example.org"
    assert owner.member_id != squatter.member_id
    membership.confirm_email(make_link_token(owner, LinkPurpose.verify))
    db.session.commit()
    assert authenticate("victim@example.org", PASSWORD) == owner
    with pytest.raises(Conflict) as err:
        email_change.confirm_email_change(token_in(confirm))
    assert "email" in err.value.fields
    db.session.rollback()
    assert db.session.get(Member, squatter.member_id).email == "squatter@example.org"
    # Password reset and invitations reach the owner, not the squatter.
    assert membership.request_password_link("victim@example.org").user == owner


def test_a_confirmation_for_an_address_taken_meanwhile_is_a_conflict(db):
    user = make_account("me@example.org")
    change_own_email(db, user, "shared@example.org")
    make_user("organizer", email="shared@example.org")  # an account without a member record
    with pytest.raises(Conflict):
        email_change.confirm_email_change(token_in(mails_to(db, "shared@example.org")[0]))


def test_asking_again_replaces_the_pending_address_and_voids_the_first_link(db):
    user = make_account("me@example.org")
    change_own_email(db, user, "first@example.org")
    change_own_email(db, user, "second@example.org")
    assert db.session.get(Member, user.member_id).pending_email == "second@example.org"
    with pytest.raises(Invalid):
        email_change.confirm_email_change(token_in(mails_to(db, "first@example.org")[0]))
    email_change.confirm_email_change(token_in(mails_to(db, "second@example.org")[0]))
    assert db.session.get(Member, user.member_id).email == "second@example.org"


def test_setting_the_current_address_again_cancels_a_pending_change(db):
    user = make_account("me@example.org")
    change_own_email(db, user, "other@example.org")
    change_own_email(db, user, "ME@example.org")
    assert db.session.get(Member, user.member_id).pending_email is None
    with pytest.raises(Invalid):
        email_change.confirm_email_change(token_in(mails_to(db, "other@example.org")[0]))


def test_the_same_request_repeated_sends_one_confirmation(db):
    user = make_account("me@example.org")
    for _ in range(5):
        change_own_email(db, user, "new@example.org")
    assert len(mails_to(db, "new@example.org")) == 1


def test_staff_corrections_apply_at_once_but_never_onto_anothers_address(db):
    staff = make_user("staff")
    user = make_account("typo@exmple.org")
    member = membership.update_profile(user.member, {"email": "fixed@example.org"}, actor=staff)
    db.session.commit()
    assert member.email == "fixed@example.org" and db.session.get(User, user.id).email == "fixed@example.org"
    make_member(email="someone@example.org")
    make_user("organizer", email="organizer@example.org")
    for taken in ("someone@example.org", "Organizer@example.org"):
        with pytest.raises(Conflict) as err:
            membership.update_profile(member, {"email": taken}, actor=staff)
        assert "email" in err.value.fields
        db.session.rollback()


def test_an_account_is_never_linked_to_a_record_that_has_one(db):
    """uq_users_member_id is the last guard, never the answer: a record that already belongs to
    an account (left by an older version, whose member and account addresses drifted apart) is
    a Conflict for create_user, and sign-up and reset answer as usual without a 500."""
    user = make_account("first@example.org")
    db.session.execute(Member.__table__.update().where(Member.id == user.member_id)
                       .values(email="drifted@example.org"))
    db.session.commit()
    with pytest.raises(Conflict):
        create_user("drifted@example.org", "member")
    db.session.rollback()
    outcome = membership.sign_up("drifted@example.org", PASSWORD, "Drift", accept_privacy=True)
    assert outcome.mail is None
    assert membership.request_password_link("drifted@example.org").mail is None
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == 1
