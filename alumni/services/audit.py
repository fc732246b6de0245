"""The audit log (like pretix's `log_action`): every service that changes something records who
did it, what, when, and the before/after of the fields that matter.

`record` adds one entry and flushes; it never commits (the entry belongs to the transaction of
the change). Event and registration changes arrive through alumni.signals — the receivers at the
end of this module connect when it is imported; other services call `record` themselves.
Passwords, hashes and tokens are never written: `record` drops any such field.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select

from alumni.extensions import db
from alumni.models import AuditEntry, Event, Member, Registration, User
from alumni.signals import (
    event_cancelled,
    event_created,
    event_published,
    event_updated,
    registration_answered,
    registration_checked_in,
    registration_offer_ended,
    registration_offered,
    registration_promoted,
)

#: Field names, and endings of names, that never go into the log.
SECRET_NAMES = ("password", "token", "secret")
SECRET_ENDINGS = ("_password", "_token", "_hash", "_secret")

Changes = dict[str, list[Any]]


def plain(value: Any) -> Any:
    """A value as JSON keeps it: dates as ISO 8601, enums by value, model objects by id."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if hasattr(value, "id"):
        return value.id
    return str(value)


def is_secret(field: str) -> bool:
    name = field.lower()
    return name in SECRET_NAMES or name.endswith(SECRET_ENDINGS)


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """The fields of `obj` as plain values, to compare after the change (`diff`)."""
    return {f: plain(getattr(obj, f, None)) for f in fields}


def diff(before: Mapping[str, Any], obj: object) -> Changes:
    """{field: [before, after]} for each field of `before` that `obj` now holds differently."""
    after = snapshot(obj, before)
    return {f: [before[f], after[f]] for f in before if before[f] != after[f]}


def created(obj: object, fields: Iterable[str]) -> Changes:
    """A new object's fields as changes from nothing ([None, value]), the empty ones left out."""
    return {f: [None, v] for f, v in snapshot(obj, fields).items() if v not in (None, "", [], {})}


def actor_name(actor: User | None) -> str:
    if actor is None:
        return ""
    member = getattr(actor, "member", None)
    return member.display_name if member is not None else actor.email


def own_account(member: Member) -> User | None:
    """The member's own account: the actor of what only the member can do (a consent, the
    one-click unsubscribe link signed for them)."""
    return db.session.scalar(select(User).where(User.member_id == member.id))


def record(actor: User | None, action: str, *, member: Member | int | None = None,
           event: Event | int | None = None, subject: object = None,
           changes: Mapping[str, Any] | None = None) -> AuditEntry:
    """Log that `actor` (None: the system) did `action` ("registration.answered") to `subject`
    (default: the event, else the member), concerning `member` and `event`. Flushes only."""
    target = subject if subject is not None else (event if event is not None else member)
    if actor is not None and getattr(actor, "id", None) is None:
        actor = None  # an anonymous visitor (current_user not logged in) is no one to name
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_role=str(actor.role.value) if actor is not None and getattr(actor, "role", None) else None,
        actor_name=actor_name(actor)[:300],
        action=action,
        subject_type=_subject_type(target),
        subject_id=_id_of(target),
        member_id=_id_of(member),
        event_id=_id_of(event),
        changes={f: plain(v) for f, v in (changes or {}).items() if not is_secret(f)},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _id_of(obj: object) -> int | None:
    if obj is None or isinstance(obj, int):
        return obj
    if isinstance(obj, str):
        return None
    return getattr(obj, "id", None)


def _subject_type(obj: object) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):  # a kind of thing, not one row (an import's members)
        return obj
    return str(getattr(obj, "__tablename__", type(obj).__name__.lower()))


def forget_member(member_id: int) -> None:
    """Erasure: the entries about a member go with their record (the foreign key cascades on
    PostgreSQL; this does it explicitly, as SQLite does not enforce foreign keys)."""
    db.session.execute(delete(AuditEntry).where(AuditEntry.member_id == member_id)
                       .execution_options(synchronize_session=False))


# ---------------------------------------------------------------- reading
@dataclass
class AuditPage:
    items: list[AuditEntry]
    total: int


def entries(*, member_id: int | None = None, event_id: int | None = None, page: int = 1,
            per_page: int = 50) -> AuditPage:
    """A member's or an event's entries, newest first."""
    stmt = select(AuditEntry)
    if member_id is not None:
        stmt = stmt.where(AuditEntry.member_id == member_id)
    if event_id is not None:
        stmt = stmt.where(AuditEntry.event_id == event_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(db.session.scalars(stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                     .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return AuditPage(items, total)


# ---------------------------------------------------------------- receivers
def _member_of(registration: Registration) -> int | None:
    return registration.member_id


@event_created.connect
def _event_created(event: Event, *, actor: User | None = None, changes: Changes | None = None, **_: Any) -> None:
    record(actor, "event.created", event=event, changes=changes)


@event_updated.connect
def _event_updated(event: Event, *, actor: User | None = None, changes: Changes | None = None, **_: Any) -> None:
    if changes:
        record(actor, "event.updated", event=event, changes=changes)


@event_published.connect
def _event_published(event: Event, *, actor: User | None = None, **_: Any) -> None:
    record(actor, "event.published", event=event, changes={"status": ["draft", "published"]})


@event_cancelled.connect
def _event_cancelled(event: Event, *, actor: User | None = None, changes: Changes | None = None,
                     **_: Any) -> None:
    record(actor, "event.cancelled", event=event, changes=changes)


@registration_answered.connect
def _registration_answered(registration: Registration, *, actor: User | None = None,
                           changes: Changes | None = None, action: str = "registration.answered",
                           **_: Any) -> None:
    if changes:
        record(actor, action, member=_member_of(registration), event=registration.event_id,
               subject=registration, changes=changes)


@registration_promoted.connect
def _registration_promoted(registration: Registration, *, actor: User | None = None, **_: Any) -> None:
    record(actor, "registration.promoted", member=_member_of(registration), event=registration.event_id,
           subject=registration, changes={"status": ["waitlisted", "yes"]})


@registration_offered.connect
def _registration_offered(registration: Registration, *, actor: User | None = None, **_: Any) -> None:
    record(actor, "registration.offered", member=_member_of(registration), event=registration.event_id,
           subject=registration, changes={"offer_expires_at": [None, plain(registration.offer_expires_at)]})


@registration_offer_ended.connect
def _registration_offer_ended(registration: Registration, *, actor: User | None = None, outcome: str = "lapsed",
                              changes: Changes | None = None, **_: Any) -> None:
    record(actor, f"registration.offer_{outcome}", member=_member_of(registration), event=registration.event_id,
           subject=registration, changes=changes)


@registration_checked_in.connect
def _registration_checked_in(registration: Registration, *, actor: User | None = None, **_: Any) -> None:
    record(actor, "registration.checked_in", member=_member_of(registration), event=registration.event_id,
           subject=registration, changes={"checked_in_at": [None, plain(registration.checked_in_at)]})
