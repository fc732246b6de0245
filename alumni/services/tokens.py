"""API tokens: issued for a number of days (90 by default), listed, revoked one by one or all
at once. A revoked or expired token opens nothing (the API answers 401). Every token of an
account is revoked when its password changes, on "log out everywhere", and with the account."""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import contains_eager

from alumni.errors import Invalid, NotFound
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import ApiToken, User
from alumni.models.types import utcnow
from alumni.permissions import can_revoke_token
from alumni.services import audit

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366

#: A token's `last_used_at` is brought up to date when it is older than this: one write per
#: token every few minutes, not one per API request.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, days: int = DEFAULT_TOKEN_DAYS, *, actor: User | None = None) -> str:
    """A new API token for `user`, valid for `days`; only its hash is stored, so this is the one
    time it is seen."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise Invalid(_("A token lasts from 1 to %(max)d days.", max=MAX_TOKEN_DAYS), field="days")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(user=user, token_hash=token_hash(token), created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "token.issued", member=user.member_id, subject=row,
                 changes={"user_id": [None, user.id], "expires_at": [None, audit.plain(row.expires_at)]})
    return token


@lru_cache(maxsize=1)
def _token_lookup() -> Select[User, int, datetime | None]:
    """Built once (every API request runs it); the hash and the time are bound parameters."""
    return (select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
                   ApiToken.expires_at > bindparam("now", type_=ApiToken.expires_at.type)))


def user_for_token(token: str) -> tuple[User | None, bool]:
    """The account behind a live API token (None if there is none, or it is revoked or expired),
    in one query; and whether its last use was written now — the caller commits that with the
    request's work."""
    if not token:
        return None, False
    now = utcnow()
    found = db.session.execute(_token_lookup(), {"token_hash": token_hash(token), "now": now}).first()
    if found is None:
        return None, False
    user, token_id, last_used = found
    if last_used is not None and last_used.tzinfo is None:
        last_used = last_used.replace(tzinfo=UTC)
    if last_used is not None and now - last_used < TOKEN_TOUCH_INTERVAL:
        return user, False
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
                       .execution_options(synchronize_session=False))
    return user, True


def list_tokens(user: User) -> list[ApiToken]:
    """The account's tokens, newest first, revoked and expired ones included (their state says)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def live_tokens(now: datetime | None = None) -> Select[ApiToken]:
    """Every token that still opens something, with its account, newest first (for staff)."""
    return (select(ApiToken).join(ApiToken.user).options(contains_eager(ApiToken.user))
            .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > (now or utcnow()))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))


def token_for(actor: User | None, token_id: int) -> ApiToken:
    """The token, for its owner or staff; anyone else is told it is not there (no probing)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not can_revoke_token(actor, token):
        raise NotFound(_("There is no such token."))
    return token


def revoke_token(token: ApiToken, *, actor: User | None = None) -> bool:
    """Revoke one token (`actor` may be None for the CLI); False if it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "token.revoked", member=token.user.member_id, subject=token,
                 changes={"revoked_at": [None, audit.plain(token.revoked_at)]})
    return True


def revoke_all_tokens(user: User) -> int:
    """Revoke every token of the account that is not revoked yet; answers how many."""
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
