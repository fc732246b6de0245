"""Signed links sent by mail: confirm an email, reset a password, claim an imported record;
and an update round's link to confirm one's record (bound to the round's recipient row, not to
an account: `make_round_token`).

A link carries the account id and a fingerprint of the account's state (password hash,
session version, verification time). Using the link changes that state, so the same link
then fails: links are single-use without a table of used tokens. They also expire.
"""
from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import User


class LinkPurpose(enum.StrEnum):
    verify = "verify"
    reset = "reset"
    claim = "claim"


_MAX_AGE_SETTING = {
    LinkPurpose.verify: "VERIFY_LINK_MAX_AGE",
    LinkPurpose.reset: "RESET_LINK_MAX_AGE",
    LinkPurpose.claim: "CLAIM_LINK_MAX_AGE",
}


def _serializer(purpose: LinkPurpose) -> URLSafeTimedSerializer:
    # The salt keeps a reset link from being used as a verification link, and the reverse.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"alumni-link-{purpose.value}")


def _fingerprint(user: User) -> str:
    state = "|".join([
        user.email, user.password_hash or "", str(user.session_version),
        user.email_verified_at.isoformat() if user.email_verified_at else "",
    ])
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def make_link_token(user: User, purpose: LinkPurpose) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def read_link_token(token: str, purpose: LinkPurpose) -> User:
    """The account the link was made for, if the link is genuine, fresh and unused."""
    max_age = current_app.config[_MAX_AGE_SETTING[purpose]]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Invalid(_("This link has expired. Ask for a new one."), field="token") from None
    except BadSignature:
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token") from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _fingerprint(user):
        raise Invalid(_("This link has already been used. Ask for a new one if you need it."), field="token")
    return user


# ---------------------------------------------------------------- update rounds
def _round_serializer() -> URLSafeTimedSerializer:
    # A purpose of its own: a round link is no account link, and the reverse.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="alumni-link-update-round")


def round_token_maker() -> Callable[[int], str]:
    """Makes the link token of round recipient rows (one serializer for a whole round's mail)."""
    serializer = _round_serializer()
    return lambda recipient_id: serializer.dumps({"r": recipient_id})


def read_round_token(token: str) -> int:
    """The round recipient row the link names, if the link is genuine and fresh (the row itself
    says whether it was answered: then the link changes nothing, services.rounds)."""
    try:
        data = _round_serializer().loads(token, max_age=current_app.config["ROUND_LINK_MAX_AGE"])
    except SignatureExpired:
        raise Invalid(_("This link has expired: the round it belongs to is over."), field="token") from None
    except BadSignature:
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token") from None
    recipient = data.get("r") if isinstance(data, dict) else None
    if not isinstance(recipient, int) or isinstance(recipient, bool):
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    return recipient
