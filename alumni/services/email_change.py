"""Changing a member's email address.

The address is the key that links a record to its account, to password resets and to every
mail the club sends, so a member cannot simply type a new one: the new address is kept as
`pending_email` and replaces `email` (of the record and of its account) only once it confirms a
signed link mailed to it; the old address is told at once. Asking for an address reserves
nothing — its owner can still sign up, and the pending change then fails at confirmation with a
clear conflict, never a database error.

Staff corrections (and operators' code, actor None) apply at once, through
services.members.update_member, with the same checks.

Mail is queued in the outbox in the caller's transaction; the `mail deliver` worker sends it.
"""
from __future__ import annotations

import hashlib
from datetime import date

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.i18n import _, babel_locale, force_locale
from alumni.models import MailPurpose, Member, User
from alumni.models.types import utcnow
from alumni.services import audit, mail_keys
from alumni.services import validation as v
from alumni.services.account_mail import render_mail_template
from alumni.services.members import ensure_email_free
from alumni.services.outbox import queue_message
from alumni.services.urls import external_url, home_url

_SALT = "alumni-link-email-change"


def account_of(member: Member) -> User | None:
    return db.session.scalar(select(User).where(User.member_id == member.id))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(member: Member) -> str:
    # The current address: once the change is made (or another one is), the link is spent.
    return hashlib.sha256(f"{member.id}|{member.email}".encode()).hexdigest()[:24]


def make_email_change_token(member: Member) -> str:
    return _serializer().dumps({"m": member.id, "e": member.pending_email, "f": _fingerprint(member)})


def read_email_change_token(token: str) -> tuple[Member, str]:
    """The member and the new address the link confirms, if it is genuine, fresh and unused."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["VERIFY_LINK_MAX_AGE"])
    except SignatureExpired:
        raise Invalid(_("This link has expired. Ask for a new one."), field="token") from None
    except BadSignature:
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token") from None
    member = db.session.get(Member, data.get("m")) if isinstance(data, dict) else None
    if member is None or not member.pending_email or data.get("e") != member.pending_email \
            or data.get("f") != _fingerprint(member):
        raise Invalid(_("This link has already been used. Ask for a new one if you need it."), field="token")
    return member, member.pending_email


def request_email_change(member: Member, new_email: str) -> str | None:
    """The member asks for `new_email`: kept as pending, a confirmation link queued to it and a
    notice to the current address. Asking for the current address again cancels a pending
    change. Answers the pending address (None when nothing is pending)."""
    new_email = v.email(new_email)
    before = member.pending_email
    if new_email == member.email:
        member.pending_email = None
        db.session.flush()
        if before is not None:
            audit.record(account_of(member), "email.change_cancelled", member=member,
                         changes={"pending_email": [before, None]})
        return None
    member.pending_email = new_email
    db.session.flush()
    audit.record(account_of(member), "email.change_requested", member=member,
                 changes={"pending_email": [before, new_email]})
    _queue_mails(member)
    return new_email


def confirm_email_change(token: str) -> Member:
    """Apply the change the link confirms: the record's and its account's address. An address
    that has become another record's or account's meanwhile is a Conflict; nothing changes."""
    member, new_email = read_email_change_token(token)
    account = account_of(member)
    ensure_email_free(new_email, member.id)
    old_email = member.email
    member.email = new_email
    member.pending_email = None
    if account is not None:
        account.email = new_email
        if account.email_verified_at is None:
            account.email_verified_at = utcnow()  # the link proves the address
    db.session.flush()
    audit.record(account, "email.changed", member=member, changes={"email": [old_email, new_email]})
    return member


def _queue_mails(member: Member) -> None:
    base_url = home_url()
    link = external_url("account.confirm_email_change", token=make_email_change_token(member))
    # One confirmation and one notice a day per address asked for, however often it is asked.
    day = date.today()
    new_email = member.pending_email or ""
    with force_locale(babel_locale(member.preferred_language)):
        days = current_app.config["VERIFY_LINK_MAX_AGE"] // 86400
        for template, recipient, subject, context in (
            ("email_change", new_email,
             _("Confirm your new email address for the Sakura Science Club"),
             {"link": link, "days": days, "new_email": member.pending_email}),
            ("email_change_notice", member.email,
             _("Your Sakura Science Club email address is about to change"),
             {"name": member.display_name, "new_email": new_email,
              "reset_url": external_url("account.reset_request")}),
        ):
            context = {"base_url": base_url, **context}
            queue_message(
                dedup_key=mail_keys.email_change(template, member.id, new_email, day),
                kind=template.replace("_", "-"), purpose=MailPurpose.email_change,
                recipient=recipient, member_id=member.id, language=member.preferred_language, subject=subject,
                text_body=render_mail_template(f"email/{template}.txt", **context),
                html_body=render_mail_template(f"email/{template}.html", **context))
