"""API tokens (issue 23, item 8): they expire (90 days by default), can be listed and revoked,
and go with the account's password, "log out everywhere" and the account itself."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from alumni.errors import Invalid, NotFound
from alumni.models import ApiToken
from alumni.models.types import utcnow
from alumni.services import membership, tokens
from tests.factories import make_account, make_token, make_user

PASSWORD = "a long enough passphrase"


def row(db, token: str) -> ApiToken:
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.token_hash(token)))


def test_a_token_expires_after_90_days_by_default(db):
    user = make_account("a@example.org")
    token = make_token(user)
    stored = row(db, token)
    assert timedelta(days=90) - (stored.expires_at - utcnow()) < timedelta(minutes=1)
    assert stored.revoked_at is None
    assert tokens.user_for_token(token)[0] == user


def test_a_token_may_be_issued_for_another_number_of_days_within_bounds(db):
    user = make_account("a@example.org")
    stored = row(db, tokens.issue_token(user, days=7))
    assert timedelta(days=7) - (stored.expires_at - utcnow()) < timedelta(minutes=1)
    for days in (0, -1, tokens.MAX_TOKEN_DAYS + 1):
        with pytest.raises(Invalid) as err:
            tokens.issue_token(user, days=days)
        assert "days" in err.value.fields


def test_an_expired_token_opens_nothing(db):
    user = make_account("a@example.org")
    token = make_token(user)
    row(db, token).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert tokens.user_for_token(token) == (None, False)


def test_a_revoked_token_opens_nothing_and_others_still_work(db):
    user = make_account("a@example.org")
    first, second = make_token(user), make_token(user)
    assert tokens.revoke_token(row(db, first), actor=user) is True
    assert tokens.revoke_token(row(db, first), actor=user) is False  # already revoked: nothing changes
    db.session.commit()
    assert tokens.user_for_token(first) == (None, False)
    assert tokens.user_for_token(second)[0] == user


def test_list_tokens_shows_the_accounts_tokens_newest_first_with_their_state(db):
    user = make_account("a@example.org")
    other = make_account("b@example.org")
    old, revoked, current = make_token(user), make_token(user), make_token(user)
    make_token(other)
    row(db, old).expires_at = utcnow() - timedelta(days=1)
    tokens.revoke_token(row(db, revoked), actor=user)
    db.session.commit()
    listed = tokens.list_tokens(user)
    assert [t.id for t in listed] == [row(db, current).id, row(db, revoked).id, row(db, old).id]
    assert [t.state.value for t in listed] == ["active", "revoked", "expired"]


def test_only_the_owner_and_staff_may_reach_a_token(db):
    owner = make_account("a@example.org")
    intruder = make_account("b@example.org")
    organizer = make_user("organizer")
    staff = make_user("staff")
    token_id = row(db, make_token(owner)).id
    assert tokens.token_for(owner, token_id).id == token_id
    assert tokens.token_for(staff, token_id).id == token_id
    for actor in (intruder, organizer, None):
        with pytest.raises(NotFound):
            tokens.token_for(actor, token_id)
    with pytest.raises(NotFound):
        tokens.token_for(staff, token_id + 1000)


def test_revoke_all_tokens_of_an_account(db):
    user = make_account("a@example.org")
    other = make_account("b@example.org")
    mine = [make_token(user) for _ in range(3)]
    theirs = make_token(other)
    assert tokens.revoke_all_tokens(user) == 3
    db.session.commit()
    assert all(tokens.user_for_token(t) == (None, False) for t in mine)
    assert tokens.user_for_token(theirs)[0] == other


def test_a_password_change_revokes_every_token(db):
    """Regression: tokens survived a password change."""
    user = make_account("a@example.org")
    token = make_token(user)
    membership.change_password(user, PASSWORD, "a brand new passphrase")
    db.session.commit()
    assert tokens.user_for_token(token) == (None, False)


def test_a_password_reset_by_link_revokes_every_token(db):
    from alumni.services.links import LinkPurpose, make_link_token

    user = make_account("a@example.org")
    token = make_token(user)
    membership.set_password_from_link(make_link_token(user, LinkPurpose.reset), LinkPurpose.reset,
                                      "a brand new passphrase")
    db.session.commit()
    assert tokens.user_for_token(token) == (None, False)


def test_log_out_everywhere_ends_sessions_and_revokes_every_token(db):
    """Regression: tokens survived "log out everywhere"."""
    user = make_account("a@example.org")
    token = make_token(user)
    version = user.session_version
    membership.log_out_everywhere(user)
    db.session.commit()
    assert user.session_version == version + 1
    assert tokens.user_for_token(token) == (None, False)


def test_deleting_the_account_removes_its_tokens(db):
    user = make_account("a@example.org")
    token = make_token(user)
    membership.delete_account(user, PASSWORD)
    db.session.commit()
    assert tokens.user_for_token(token) == (None, False)
    assert db.session.scalar(select(ApiToken)) is None
