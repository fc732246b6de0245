"""The privacy notice: its current version, and which version each member accepted and when.

The notice itself is templates/main/privacy.html. Whoever changes what it says moves
NOTICE_VERSION (the date the new text takes effect) in the same commit: members who accepted an
earlier version are then told on their profile, and accept the new one there."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Consent, ConsentKind, Member, User
from alumni.models.types import utcnow
from alumni.services import audit

#: The current version of the privacy notice: the date its text took effect (ISO 8601).
NOTICE_VERSION = "2026-11-28"


def record_consent(member: Member, kind: ConsentKind, granted: bool, *, version: str | None = None,
                   actor: User | None = None) -> Consent:
    """A consent is the member's own act: logged with their account as actor unless told."""
    consent = Consent(member_id=member.id, kind=kind, granted=granted, version=version, recorded_at=utcnow())
    db.session.add(consent)
    db.session.flush()
    who = actor if actor is not None else audit.own_account(member)
    audit.record(who, "consent.given" if granted else "consent.withdrawn", member=member, subject=consent,
                 changes={str(kind.value): [None, granted], **({"version": [None, version]} if version else {})})
    return consent


def notice_date(version: str = NOTICE_VERSION) -> date | None:
    """The date a version took effect (None for a version that is not a date)."""
    try:
        return date.fromisoformat(version)
    except ValueError:
        return None


@dataclass(frozen=True)
class NoticeAcceptance:
    """What a member accepted: the version (None: accepted before versions were recorded) and when."""

    version: str | None
    accepted_at: datetime

    @property
    def is_current(self) -> bool:
        return self.version == NOTICE_VERSION


def accepted_notice(member: Member) -> NoticeAcceptance | None:
    """The member's latest acceptance of the privacy notice (None: never accepted, e.g. a record
    imported by staff whose owner has not yet accepted it)."""
    row = db.session.execute(
        select(Consent.version, Consent.recorded_at)
        .where(Consent.member_id == member.id, Consent.kind == ConsentKind.privacy_notice, Consent.granted)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc()).limit(1)).first()
    return NoticeAcceptance(version=row.version, accepted_at=row.recorded_at) if row is not None else None


def accept_notice(member: Member) -> Consent:
    """Record that the member accepted the current version. Flushes; the caller commits."""
    return record_consent(member, ConsentKind.privacy_notice, True, version=NOTICE_VERSION)
