"""Accounts, passwords and API tokens."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from alumni.errors import Conflict, Invalid
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Role, User
from alumni.models.types import utcnow
from alumni.services import audit
from alumni.services import validation as v
from alumni.services.chapters import get_chapter
from alumni.services.members import create_member, find_member_by_email
from alumni.services.tokens import (  # noqa: F401  (moved to services/tokens.py; callers import them here)
    TOKEN_TOUCH_INTERVAL,
    issue_token,
    revoke_all_tokens,
    user_for_token,
)

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


def set_password(user: User, password: str, *, actor: User | None = None) -> None:
    check_password_rules(password)
    had = user.password_hash is not None
    user.password_hash = _hasher().hash(password)
    user.session_version = (user.session_version or 0) + 1
    # Whoever had the old password may have made tokens with it: they stop working too.
    revoked = revoke_all_tokens(user)
    db.session.flush()
    # What changed, never the password or its hash.
    audit.record(actor, "account.password_set", member=user.member_id, subject=user,
                 changes={"password_set": [had, True], "tokens_revoked": [0, revoked]})


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


def list_users(role: str | None = None) -> list[User]:
    """Every account (of `role`, if given), by email, with its chapter loaded."""
    stmt = select(User).options(selectinload(User.chapter)).order_by(User.email)
    if role is not None:
        stmt = stmt.where(User.role == v.choice(role, Role, "role"))
    return list(db.session.scalars(stmt))


def create_user(email: str, role: str, *, chapter: str | None = None, password: str | None = None,
                actor: User | None = None, verified: bool = True) -> User:
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
    if member is not None and db.session.scalar(select(User.id).where(User.member_id == member.id)) is not None:
        raise Conflict(_("The record with the email %(email)s already belongs to another account.", email=email),
                       field="email")
    if member is None and role == Role.member:
        member = create_member(
            {"email": email, "given_name": email.split("@", 1)[0]}, actor=actor, country_required=False
        )
    user = User(email=email, role=role, chapter=chapter_obj, member=member,
                email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "account.created", member=user.member_id, subject=user,
                 changes=audit.created(user, ("email", "role", "chapter_id")))
    if password is not None:
        set_password(user, password, actor=actor)
    return user


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
