"""Who may do what: named predicates, checked at the boundary (pages, API, CLI)."""
from __future__ import annotations

from alumni.models import Member, Role, User, Visibility


def is_staff(actor: User | None) -> bool:
    return actor is not None and actor.role == Role.staff


def is_self(actor: User | None, member: Member) -> bool:
    return actor is not None and actor.member_id is not None and actor.member_id == member.id


def can_manage_member(actor: User | None, member: Member) -> bool:
    """Read every field and change the record: the member themselves and staff."""
    return is_self(actor, member) or is_staff(actor)


def can_view_member(actor: User | None, member: Member) -> bool:
    """See the member's public profile: as the member chose, plus themselves and staff."""
    if can_manage_member(actor, member):
        return True
    if member.visibility == Visibility.public:
        return True
    return member.visibility == Visibility.members and actor is not None


def can_create_member(actor: User | None) -> bool:
    return is_staff(actor)


def can_create_institution(actor: User | None) -> bool:
    return actor is not None and actor.role in (Role.staff, Role.organizer)


def can_view_reports(actor: User | None) -> bool:
    """The programme's reports, the overview and the member import: headquarters staff."""
    return is_staff(actor)
