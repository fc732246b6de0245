"""Joining and keeping an account: sign-up, email confirmation, password reset, account claim,
consents, "download my data", "delete my account", and the log of staff views.

Functions flush, never commit; mail is sent by the caller after the commit (see
services/account_mail.py), so the outcome tells the caller which message to send.
"""
from __future__ import annotations

import enum
import logging
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from alumni.errors import Conflict, Invalid
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Consent, ConsentKind, Member, Role, StaffAccess, User, Visibility
from alumni.models.types import utcnow
from alumni.permissions import is_self, is_staff
from alumni.services import audit, invitations
from alumni.services import validation as v
from alumni.services.account_mail import MailKind as MailKind
from alumni.services.account_mail import Outcome as Outcome
from alumni.services.accounts import (
    _hasher,
    check_password_rules,
    create_user,
    find_user_by_email,
    set_password,
    verify_password,
)
from alumni.services.duplicates import note_possible_duplicates
from alumni.services.email_change import request_email_change
from alumni.services.links import LinkPurpose, read_link_token
from alumni.services.members import create_member, find_member_by_email, update_member
from alumni.services.outbox import forget_member
from alumni.services.privacy import accept_notice
from alumni.services.privacy import record_consent as record_consent
from alumni.services.tokens import revoke_all_tokens

log = logging.getLogger(__name__)


# --- joining -------------------------------------------------------------------------------


def sign_up(email: str, password: str, given_name: str, family_name: str = "", *,
            accept_privacy: bool) -> Outcome:
    email = v.email(email)
    check_password_rules(password or "")
    given_name = v.text(given_name, "given_name", required=True)
    family_name = v.text(family_name, "family_name")
    if not accept_privacy:
        raise Invalid(_("Please accept the privacy notice to join."), field="accept_privacy")
    user = find_user_by_email(email)
    if user is not None:
        # An account exists, confirmed or not: nothing about it changes (a repeated sign-up
        # that replaced the password would let whoever signs up last own the account its owner
        # then confirms). Its owner is told instead; the page answers as for a new sign-up.
        _hasher().hash(password)  # the same work as a real sign-up: the timing tells nothing
        return Outcome(user, MailKind.already_registered)
    if find_member_by_email(email) is None:
        # Hidden until its owner chooses to be listed: being found is a consent of its own.
        create_member({"email": email, "given_name": given_name, "family_name": family_name,
                       "visibility": Visibility.hidden.value}, country_required=False)
    # An imported member's record is linked, not overwritten: the mailed link proves the
    # address before anyone can log in to it.
    try:
        user = create_user(email, Role.member, verified=False)
    except Conflict:
        # The record with this address belongs to another account (addresses that drifted
        # apart before changes needed confirming): staff must sort it out. The page answers
        # as always; nothing is written or sent.
        log.warning("sign-up: the record for an address belongs to another account")
        _hasher().hash(password)
        return Outcome(None, None)
    set_password(user, password, actor=user)  # logged as the new member's own act
    if user.member is not None:
        accept_notice(user.member)
        note_possible_duplicates(user.member)
    return Outcome(user, MailKind.verify)


def confirm_email(token: str) -> User:
    user = read_link_token(token, LinkPurpose.verify)
    user.email_verified_at = utcnow()
    db.session.flush()
    return user


def request_password_link(email: str) -> Outcome:
    """A reset link for an account, or a claim link for an imported member with no account
    yet. Nothing for an unknown address — the page says the same in every case."""
    try:
        email = v.email(email)
    except Invalid:
        return Outcome(None, None)
    user = find_user_by_email(email)
    if user is not None:
        return Outcome(user, MailKind.reset if user.password_hash else MailKind.claim)
    if find_member_by_email(email) is not None:
        try:
            return Outcome(create_user(email, Role.member, verified=False), MailKind.claim)
        except Conflict:  # the record belongs to another account: see sign_up
            log.warning("reset: the record for an address belongs to another account")
    return Outcome(None, None)


def prepare_claim(member: Member, *, actor: User | None = None) -> Outcome:
    """Staff send an imported member the link that lets them set a password."""
    user = find_user_by_email(member.email)
    if user is not None and user.password_hash:
        raise Conflict(_("%(email)s already has an account with a password.", email=member.email),
                       field="email")
    if user is None:
        user = create_user(member.email, Role.member, verified=False, actor=actor)
    return Outcome(user, MailKind.claim)


def set_password_from_link(token: str, purpose: LinkPurpose, password: str) -> User:
    """Reset or claim: a new password; following the mailed link also proves the address.
    The session version moves on, so every older session and the link itself stop working."""
    user = read_link_token(token, purpose)
    set_password(user, password, actor=user)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    if purpose == LinkPurpose.claim and user.member is not None:
        note_possible_duplicates(user.member)
    return user


def end_sessions(user: User) -> None:
    """Every session of the account stops working (the user loader compares versions)."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def log_out_everywhere(user: User) -> int:
    """Every browser session ends and every API token of the account is revoked (answers how
    many tokens): what to do after a lost laptop or a leaked token."""
    end_sessions(user)
    revoked = revoke_all_tokens(user)
    audit.record(user, "account.logged_out_everywhere", member=user.member_id, subject=user,
                 changes={"tokens_revoked": [0, revoked]})
    return revoked


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user, current or ""):
        raise Invalid(_("That is not your current password."), field="current_password")
    set_password(user, new, actor=user)


# --- consents ------------------------------------------------------------------------------


def list_consents(member: Member) -> list[Consent]:
    return list(db.session.scalars(
        select(Consent).where(Consent.member_id == member.id).order_by(Consent.recorded_at, Consent.id)))


#: A member's own change of these may make them look like someone already recorded.
NAME_AND_COUNTRY = {"given_name", "family_name", "native_name", "family_name_first", "country"}


def update_profile(member: Member, changes: dict[str, Any], *, actor: User | None = None) -> Member:
    """Profile changes (pages and API). When the member themselves moves in or out of the
    directory, that is a consent, recorded with its date; staff corrections are not consents.
    `invitations` (true/false) turns invitations by mail on or off, as the one-click link does."""
    changes = dict(changes)
    wanted = changes.pop("invitations", None)
    # A member's own new address waits for its confirmation (services/email_change.py); staff
    # corrections apply at once.
    asks_for_email = "email" in changes and actor is not None and not is_staff(actor)
    new_email = changes.pop("email") if asks_for_email else None
    was_listed = member.visibility != Visibility.hidden
    if changes:
        update_member(member, changes, actor=actor)
        if is_self(actor, member):
            # The member's own save confirms the record (issue 21), as an update round's answer does.
            member.confirmed_at = utcnow()
    if asks_for_email:
        request_email_change(member, new_email or "")
    if wanted is not None:
        if not isinstance(wanted, bool):
            raise Invalid(_("Choose whether to receive invitations."), field="invitations")
        if wanted:
            invitations.resubscribe(member, actor=actor)
        else:
            invitations.unsubscribe(member, actor=actor)
    listed = member.visibility != Visibility.hidden
    if listed != was_listed and (actor is None or is_self(actor, member)):
        record_consent(member, ConsentKind.directory_listing, listed, actor=actor)
    if is_self(actor, member) and set(changes) & NAME_AND_COUNTRY:
        note_possible_duplicates(member)  # a new account's profile, completed
    return member


# --- staff views ---------------------------------------------------------------------------


def log_staff_access(actor: User | None, member: Member | None, action: str) -> StaffAccess | None:
    """Record that staff looked at personal data. A member looking at themselves is not logged."""
    if not is_staff(actor) or (member is not None and is_self(actor, member)):
        return None
    entry = StaffAccess(actor_id=actor.id, actor_email=actor.email,
                        member_id=member.id if member is not None else None, action=action[:200])
    db.session.add(entry)
    db.session.flush()
    return entry


# --- download my data / delete my account --------------------------------------------------

#: Columns never exported: secrets, and derived data that says nothing new.
_SECRET_COLUMNS = {"password_hash", "token_hash", "search_key", "calendar_token", "calendar_token_hash",
                  "access_token"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _row_dict(table: sa.Table, row: sa.Row[Any]) -> dict[str, Any]:
    return {c.name: _jsonable(row._mapping[c]) for c in table.columns if c.name not in _SECRET_COLUMNS}


def _tables_pointing_at(target: str) -> list[tuple[sa.Table, sa.Column[Any], str | None]]:
    """Every (table, column, ON DELETE) that refers to `target` ("members.id", "users.id").
    Found from the schema, so records added by later features are exported and removed too."""
    found: list[tuple[sa.Table, sa.Column[Any], str | None]] = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.target_fullname == target:
                found.append((table, fk.parent, (fk.ondelete or "").upper() or None))
    return found


def export_member_data(user: User | None, member: Member | None) -> dict[str, Any]:
    """Every record about the member (and their account), as JSON-ready data."""
    data: dict[str, Any] = {"exported_at": utcnow().isoformat()}
    for key, record, target in (("account", user, "users.id"), ("member", member, "members.id")):
        if record is None:
            continue
        table = record.__table__
        data[key] = _row_dict(table, db.session.execute(select(table).where(table.c.id == record.id)).one())
        for other, column, _ondelete in _tables_pointing_at(target):
            if other.name in ("users", "members"):
                continue
            rows = db.session.execute(select(other).where(column == record.id).order_by(*other.primary_key)).all()
            data.setdefault(other.name, [])
            data[other.name].extend(_row_dict(other, r) for r in rows)
    return data


def delete_account(user: User, password: str) -> None:
    """Remove the account and the member's personal data: the member record with its
    participations, careers, returns and consents. Records other features keep about the
    member (e.g. event registrations) are anonymised where their schema says ON DELETE
    SET NULL — done here explicitly, as SQLite does not enforce foreign keys."""
    if not verify_password(user, password or ""):
        raise Invalid(_("That is not your current password."), field="password")

    member = user.member
    # Mail to them, waiting or sent, keeps no address, name or text (issue 23, item 9).
    forget_member(member.id if member is not None else None, user.email)
    if member is not None and member.email != user.email:
        forget_member(None, member.email)
    _detach_references(user.__table__, user.id, "users.id")
    if member is not None:
        _detach_references(member.__table__, member.id, "members.id")  # their audit entries go too
    # The bulk statements above bypassed the ORM: forget what it had loaded.
    db.session.expire_all()
    gone = {"user": [user.id, None], **({"member": [member.id, None]} if member is not None else {})}
    db.session.delete(user)
    db.session.flush()
    if member is not None:
        db.session.delete(member)
        db.session.flush()
    # Erased at their own request; the entry names no one (the record and account are gone).
    audit.record(None, "privacy.erased", subject=member if member is not None else user, changes=gone)


def _detach_references(table: sa.Table, record_id: int, target: str) -> None:
    for other, column, ondelete in _tables_pointing_at(target):
        if other.name in ("users", "members"):
            continue  # users.member_id: that user row is deleted itself
        if ondelete == "SET NULL":
            db.session.execute(sa.update(other).where(column == record_id).values({column.name: None}))
        elif ondelete == "CASCADE":
            db.session.execute(sa.delete(other).where(column == record_id))


def staff_access_log(*, member_id: int | None = None) -> sa.Select[StaffAccess]:
    """The log, newest first (a statement, for paginate())."""
    stmt = select(StaffAccess).order_by(StaffAccess.at.desc(), StaffAccess.id.desc())
    if member_id is not None:
        stmt = stmt.where(StaffAccess.member_id == member_id)
    return stmt
