"""Who may do what: named predicates, checked at the boundary (pages, API, CLI)."""
from __future__ import annotations

from typing import TypeGuard

from alumni.models import Member, Role, User, Visibility
from alumni.services.eventbase import is_public


def is_staff(actor: User | None) -> TypeGuard[User]:
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


def can_revoke_token(actor: User | None, token) -> bool:
    """See and revoke an API token: its owner, and staff."""
    return actor is not None and (actor.id == token.user_id or is_staff(actor))


def can_create_member(actor: User | None) -> bool:
    return is_staff(actor)


def can_merge_members(actor: User | None) -> bool:
    """Find duplicate members, merge them and undo a merge (staff)."""
    return is_staff(actor)


def can_choose_any_chapter(actor: User | None) -> bool:
    """Pick any chapter for an event (staff); an organizer works in their own chapter."""
    return is_staff(actor)


def can_create_institution(actor: User | None) -> bool:
    return actor is not None and actor.role in (Role.staff, Role.organizer)


# ---------------------------------------------------------------- events
def can_create_event(actor: User | None, chapter=None) -> bool:
    """Staff anywhere; an organizer for their own chapter (any chapter if not yet chosen)."""
    if is_staff(actor):
        return True
    if actor is None or actor.role != Role.organizer:
        return False
    return chapter is None or actor.chapter_id == chapter.id


def managed_chapter_ids(actor: User | None) -> list[int] | None:
    """The chapters whose events `actor` manages: None for every chapter (staff), else a list —
    an organizer's own chapter, nothing for anyone else. `can_manage_event` for one event, and
    the scope of lists (the organizer pages, drafts in the event lists)."""
    if is_staff(actor):
        return None
    if actor is not None and actor.role == Role.organizer and actor.chapter_id is not None:
        return [actor.chapter_id]
    return []


def can_manage_event(actor: User | None, event) -> bool:
    """Change, publish, cancel, see registrations, check in: the organizers of the event's
    chapter, and staff."""
    chapters = managed_chapter_ids(actor)
    return chapters is None or event.chapter_id in chapters


def can_use_manage_area(actor: User | None) -> bool:
    """Open the organizer pages (/manage): those who may create an event somewhere."""
    return can_create_event(actor)


def can_view_event(actor: User | None, event) -> bool:
    """Published events, and cancelled ones that had been published, are public; a draft (also
    a cancelled draft) only for those who manage it."""
    return is_public(event) or can_manage_event(actor, event)


def can_act_for(actor: User | None, member: Member) -> bool:
    """Do something in the member's name (answer an event for them, register a delegation):
    the member themselves, staff, and an organizer for members they may see who come from one
    of their chapter's countries. Acting for someone puts their name, email and country where the
    actor reads them (an event's registrations), so it is never wider than reading them in full.
    Callers answer a refusal with the same 404 as for a member that does not exist."""
    if is_self(actor, member) or is_staff(actor):
        return True
    if actor is None or actor.role != Role.organizer or actor.chapter is None:
        return False
    return member.country in actor.chapter.countries and can_view_member(actor, member)


def can_respond_for(actor: User | None, event, member: Member) -> bool:
    """A member answers for themselves; the event's organizers and staff may answer for those
    they may act for (can_act_for)."""
    return is_self(actor, member) or (can_manage_event(actor, event) and can_act_for(actor, member))


def can_view_registration(actor: User | None, registration) -> bool:
    if registration.member is not None and is_self(actor, registration.member):
        return True
    return can_manage_event(actor, registration.event)


def can_check_in(actor: User | None, event) -> bool:
    return can_manage_event(actor, event)


def can_view_reports(actor: User | None) -> bool:
    """The programme's reports, the overview and the member import: headquarters staff."""
    return is_staff(actor)


# ---------------------------------------------------------------- mail
def can_invite(actor: User | None, event) -> bool:
    """Invite an audience to an event and follow its mailings: those who manage the event."""
    return can_manage_event(actor, event)


def can_manage_mail_holds(actor: User | None) -> bool:
    """See addresses on hold (permanent failures) and release them: staff."""
    return is_staff(actor)


# ---------------------------------------------------------------- names in other languages
def can_name_chapter(actor: User | None, chapter) -> bool:
    """Give a chapter its names in other languages: staff, and the chapter's own organizers."""
    return is_staff(actor) or (actor is not None and actor.role == Role.organizer and actor.chapter_id == chapter.id)


def can_name_institution(actor: User | None) -> bool:
    """Give an institution its names in other languages: those who may add institutions."""
    return can_create_institution(actor)


# ---------------------------------------------------------------- audit log
def can_view_audit(actor: User | None, *, member=None, event=None) -> bool:
    """Who changed what: staff see every member's and every event's log; organizers see the log
    of an event they manage (not a member's, which spans every chapter and their private data)."""
    if is_staff(actor):
        return True
    return member is None and event is not None and can_manage_event(actor, event)


# ---------------------------------------------------------------- accounts
def can_log_in(user: User | None) -> bool:
    """An account logs in on the web once its address is confirmed (a link was followed)."""
    return user is not None and user.email_verified_at is not None


# ---------------------------------------------------------------- documents (issue 22)
def can_manage_documents(actor: User | None) -> bool:
    """Issue invitation letters and revoke certificates and letters: staff."""
    return is_staff(actor)


def can_request_letter(actor: User | None, registration) -> bool:
    """Ask for an invitation letter for a visa: the delegate themselves, on a forum's registration."""
    member = registration.member
    return member is not None and is_self(actor, member) and registration.event.kind.value == "forum"


# ---------------------------------------------------------------- update rounds (issue 21)
def can_start_round(actor: User | None) -> bool:
    """Ask an audience to confirm their records: staff (anyone), an organizer (their chapter's
    members only, services.rounds.scoped_audience)."""
    return is_staff(actor) or (actor is not None and actor.role == Role.organizer and actor.chapter_id is not None)


def can_view_round(actor: User | None, update_round) -> bool:
    """Follow a round and export its figures: staff, and the organizers of the round's chapter."""
    if is_staff(actor):
        return True
    return (actor is not None and actor.role == Role.organizer and update_round.chapter_id is not None
            and actor.chapter_id == update_round.chapter_id)


# ---------------------------------------------------------------- templates
def template_predicates() -> dict:
    """The predicates templates may call (registered as Jinja globals by alumni.web): a page
    asks `can_manage_event(current_user, event)` rather than looking at roles itself."""
    return {name: value for name, value in globals().items()
            if callable(value) and name.startswith("can_")}
