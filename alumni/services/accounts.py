"""Accounts, passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, select, update

from alumni.errors import Conflict, Invalid
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import ApiToken, Role, User
from alumni.models.types import utcnow
from alumni.services import validation as v
from alumni.services.chapters import get_chapter
from alumni.services.members import create_member, find_member_by_email

#: OWASP ASVS 5.0 level 2 asks for argon2id with at least 19 MiB and 2 passes; we use more.
PASSWORD_HASH_PARAMS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 2}
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


def _hasher() -> PasswordHasher:
    params = current_app.config.get("PASSWORD_HASH_PARAMS", PASSWORD_HASH_PARAMS)
    return PasswordHasher(**params)


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(_("The password must have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH), field=field)


def set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = _hasher().hash(password)
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(email: str) -> User | None:
    # Stored addresses are all normalised; one that is no address is looked up as typed.
    key = v.email_key(email) or (email or "").strip().lower()
    return db.session.scalar(select(User).where(User.email == key))


def create_user(email: str, role: str, *, chapter: str | None = None, password: str | None = None,
                actor=None, verified: bool = True) -> User:
    """An account; a member account is linked to the member record with the same email, which
    is created (to be completed by its owner) where there is none. Accounts made by an
    operator count as verified; sign-up and claim pass verified=False until the mailed link
    is followed."""
    email = v.email(email)
    role = v.choice(role, Role, "role")
    if find_user_by_email(email) is not None:
        raise Conflict(_("An account for %(email)s already exists.", email=email), field="email")
    chapter_obj = None
    if role == Role.organizer:
        if not chapter:
            raise Invalid(_("An organizer belongs to a chapter: give its code."), field="chapter")
        chapter_obj = get_chapter(chapter)
    elif chapter:
        chapter_obj = get_chapter(chapter)
    member = find_member_by_email(email)
    if member is None and role == Role.member:
        member = create_member(
            {"email": email, "given_name": email.split("@", 1)[0]}, actor, country_required=False
        )
    user = User(email=email, role=role, chapter=chapter_obj, member=member,
                email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    db.session.flush()
    if password is not None:
        set_password(user, password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    """A new API token for `user`; only its hash is stored, so this is the one time it is seen."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_hash(token)))
    db.session.flush()
    return token


#: A token's `last_used_at` is brought up to date when it is older than this: one write per
#: token every few minutes, not one per API request.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


@lru_cache(maxsize=1)
def _token_lookup():
    """Built once (every API request runs it); the hash is a bound parameter."""
    return (select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("token_hash")))


def user_for_token(token: str) -> tuple[User | None, bool]:
    """The account behind an API token (None if there is none), in one query; and whether its
    last use was written now — the caller commits that with the request's work."""
    if not token:
        return None, False
    found = db.session.execute(_token_lookup(), {"token_hash": _token_hash(token)}).first()
    if found is None:
        return None, False
    user, token_id, last_used = found
    now = utcnow()
    if last_used is not None and last_used.tzinfo is None:
        last_used = last_used.replace(tzinfo=UTC)
    if last_used is not None and now - last_used < TOKEN_TOUCH_INTERVAL:
        return user, False
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
                       .execution_options(synchronize_session=False))
    return user, True


def authenticate(email: str, password: str) -> User | None:
    """The account for this email and password, or None. Takes as long for an unknown email as
    for a wrong password, so the answer does not tell which emails are registered."""
    user = find_user_by_email(email or "")
    if user is None or not user.password_hash:
        _hasher().hash(password or "")  # spend the same time
        return None
    if not verify_password(user, password):
        return None
    user.last_login_at = utcnow()
    return user
