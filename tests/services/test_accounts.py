"""Passwords and tokens."""
from argon2 import PasswordHasher

from alumni.services import accounts
from tests.factories import make_user


def test_production_hashing_meets_asvs_level_2():
    # OWASP ASVS 5.0 L2 / OWASP cheat sheet: argon2id, ≥ 19 MiB memory, ≥ 2 iterations.
    params = accounts.PASSWORD_HASH_PARAMS
    assert params["memory_cost"] >= 19 * 1024 and params["time_cost"] >= 2
    assert PasswordHasher(**params).hash("x").startswith("$argon2id$")


def test_long_passwords_are_accepted_and_verified():
    user = make_user("staff")
    password = "ｐａｓｓ" + "correct horse battery staple " * 4  # over 64 characters, not ASCII
    accounts.set_password(user, password)
    assert accounts.verify_password(user, password)
    assert not accounts.verify_password(user, password[:-1])


def test_password_change_ends_older_sessions():
    user = make_user("staff")
    before = user.get_id()
    accounts.set_password(user, "another long password")
    assert user.get_id() != before


def test_tokens_are_stored_hashed():
    user = make_user("staff")
    token = accounts.issue_token(user)
    assert accounts.user_for_token(token)[0] == user
    assert all(row.token_hash != token for row in user.tokens)
    assert accounts.user_for_token(token + "x") == (None, False)
    assert accounts.user_for_token("") == (None, False)
