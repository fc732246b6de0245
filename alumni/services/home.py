"""What the home page shows each person: a visitor the club and its next events; a member their
dashboard (next events and answers, invitations waiting for an answer, what their profile
lacks); an organizer their events' new answers; staff what needs them (held addresses, failed
mail, a mail worker that is not running). Every figure here counts only what the viewer may see."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import selectinload

from alumni.extensions import db
from alumni.models import (
    Chapter,
    Event,
    EventStatus,
    ImportJob,
    MailAddressHold,
    MailPurpose,
    MailStatus,
    Member,
    OutgoingMail,
    Participation,
    Registration,
    RegistrationStatus,
    Role,
    User,
    Visibility,
)
from alumni.models.types import utcnow
from alumni.permissions import can_manage_event, can_manage_mail_holds, is_staff
from alumni.services import workers
from alumni.services.directory import visible_levels
from alumni.services.eventbase import answers_close_utc, ends_utc
from alumni.services.import_jobs import recent_import_jobs
from alumni.services.privacy import accepted_notice
from alumni.services.registrations import holds_seat, places_left_of

NEXT_EVENTS = 3
MY_EVENTS = 5
#: "New answers" on an organizer's home: answers given or changed within this many days.
NEW_ANSWERS_DAYS = 7
MANAGED_EVENTS = 10
#: Local end times are naive: an event that ended up to 14 hours ago (UTC+14) may still look
#: upcoming to SQL; the exact UTC test is made in Python on the few rows found.
_ZONE_SLACK = timedelta(hours=14)


def _naive_utc(now: datetime | None) -> datetime:
    return (now or utcnow()).astimezone(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- the club in numbers
@dataclass(frozen=True)
class ClubNumbers:
    members: int
    countries: int
    participations: int
    chapters: int


def club_numbers(viewer: User | None) -> ClubNumbers:
    """The club in numbers as `viewer` may see it: members the viewer could find in the
    directory (public ones for visitors; public and alumni-only for members), their countries
    and their participations. Hidden members are never counted, so no count tells a visitor
    that someone hidden exists."""
    visible = Member.visibility.in_(visible_levels(viewer))
    members, countries = db.session.execute(
        select(func.count(Member.id), func.count(func.distinct(Member.country))).where(visible)).one()
    participations = db.session.scalar(
        select(func.count(Participation.id)).join(Member, Member.id == Participation.member_id).where(visible))
    chapters = db.session.scalar(select(func.count(Chapter.id)))
    return ClubNumbers(members=members or 0, countries=countries or 0,
                       participations=participations or 0, chapters=chapters or 0)


# ---------------------------------------------------------------- events and seats
@dataclass(frozen=True)
class EventSeats:
    event: Event
    places_left: int | None
    waitlisted: int


def _seat_counts(event_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """{event id: (seats held, waitlisted)} in one grouped query."""
    if not event_ids:
        return {}
    yes = func.sum(case((holds_seat(), 1), else_=0))
    waiting = func.sum(case((Registration.status == RegistrationStatus.waitlisted, 1), else_=0))
    rows = db.session.execute(
        select(Registration.event_id, yes, waiting).where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id)).all()
    return {event_id: (int(y or 0), int(w or 0)) for event_id, y, w in rows}


def _with_seats(events: Sequence[Event]) -> list[EventSeats]:
    counts = _seat_counts([e.id for e in events])
    result = []
    for event in events:
        taken, waitlisted = counts.get(event.id, (0, 0))
        left = places_left_of(event.capacity, taken)
        result.append(EventSeats(event=event, places_left=left, waitlisted=waitlisted))
    return result


def next_events(limit: int = NEXT_EVENTS, *, now: datetime | None = None) -> list[EventSeats]:
    """The next published events that have not ended, soonest first, with their places left."""
    current = now or utcnow()
    rows = db.session.scalars(
        select(Event).options(selectinload(Event.chapter))
        .where(Event.status == EventStatus.published, Event.ends_at >= _naive_utc(current) - _ZONE_SLACK)
        .order_by(Event.starts_at, Event.id).limit(limit + 5)).all()
    events = [e for e in rows if ends_utc(e) >= current][:limit]
    return _with_seats(events)


# ---------------------------------------------------------------- a member's dashboard
@dataclass(frozen=True)
class Invitation:
    """An invitation the member has not answered, to an event still taking answers."""

    event: Event
    places_left: int | None
    invited_at: datetime


#: What a profile may lack, most useful first (the page words each and links to the fix).
GAPS = ("privacy_notice", "country", "participations", "timezone", "careers", "native_name", "field",
        "directory")


def profile_gaps(member: Member) -> list[str]:
    """What is missing from the member's record, as keys of GAPS, in that order. A time zone
    of "UTC" is the default a new account starts with, taken as not chosen yet."""
    acceptance = accepted_notice(member)
    missing = {
        "privacy_notice": acceptance is None or not acceptance.is_current,
        "country": not member.country,
        "participations": not member.participations,
        "timezone": not member.timezone or member.timezone == "UTC",
        "careers": not member.careers,
        "native_name": not member.native_name.strip(),
        "field": not member.field.strip(),
        "directory": member.visibility == Visibility.hidden,
    }
    return [key for key in GAPS if missing[key]]


def my_next_events(member: Member, limit: int = MY_EVENTS, *, now: datetime | None = None) -> list[Registration]:
    """The member's answers to events that have not ended, soonest first (withdrawn ones left out)."""
    current = now or utcnow()
    rows = db.session.scalars(
        select(Registration).join(Event, Event.id == Registration.event_id)
        .options(selectinload(Registration.event).selectinload(Event.chapter))
        .where(Registration.member_id == member.id, Registration.status != RegistrationStatus.cancelled,
               Event.status != EventStatus.draft, Event.ends_at >= _naive_utc(current) - _ZONE_SLACK)
        .order_by(Event.starts_at, Event.id)).all()
    return [r for r in rows if ends_utc(r.event) >= current][:limit]


def waiting_invitations(member: Member, *, now: datetime | None = None) -> list[Invitation]:
    """Events the member was invited to (an invitation in the outbox, whatever its delivery
    state) that are published, still take answers, and have no answer from the member yet."""
    current = now or utcnow()
    invited: dict[int, datetime] = {}
    for event_id, created_at in db.session.execute(
            select(OutgoingMail.event_id, OutgoingMail.created_at)
            .where(OutgoingMail.member_id == member.id, OutgoingMail.purpose == MailPurpose.invitation,
                   OutgoingMail.event_id.is_not(None))):
        if event_id is not None:
            invited[event_id] = created_at
    if not invited:
        return []
    answered = exists().where(Registration.event_id == Event.id, Registration.member_id == member.id)
    events = db.session.scalars(
        select(Event).options(selectinload(Event.chapter))
        .where(Event.id.in_(list(invited)), Event.status == EventStatus.published, ~answered,
               Event.ends_at >= _naive_utc(current) - _ZONE_SLACK)
        .order_by(Event.starts_at, Event.id)).all()
    open_events = [e for e in events if answers_close_utc(e) >= current]
    return [Invitation(event=s.event, places_left=s.places_left, invited_at=invited[s.event.id])
            for s in _with_seats(open_events)]


@dataclass
class MemberHome:
    member: Member
    events: list[Registration]
    invitations: list[Invitation]
    gaps: list[str]


def member_home(member: Member, *, now: datetime | None = None) -> MemberHome:
    return MemberHome(member=member, events=my_next_events(member, now=now),
                      invitations=waiting_invitations(member, now=now), gaps=profile_gaps(member))


# ---------------------------------------------------------------- organizers and staff
@dataclass(frozen=True)
class ManagedEvent:
    event: Event
    #: Answers given or changed since `since`.
    new_answers: int
    yes: int
    waitlisted: int
    places_left: int | None


@dataclass
class OrganizerHome:
    since: datetime
    events: list[ManagedEvent] = field(default_factory=list)
    #: The events are one chapter's (an organizer's own), not those with new answers anywhere.
    own_chapter: bool = False


def organizer_home(actor: User, *, now: datetime | None = None, days: int = NEW_ANSWERS_DAYS) -> OrganizerHome:
    """The events `actor` manages that have not ended, each with its answers given or changed in
    the last `days` days. An organizer sees their chapter's events (drafts too); staff, who
    manage every event, see those with new answers."""
    current = now or utcnow()
    since = current - timedelta(days=days)
    home = OrganizerHome(since=since)
    if actor is None or actor.role not in (Role.organizer, Role.staff):
        return home
    fresh = func.sum(case((Registration.updated_at >= since, 1), else_=0))
    yes = func.sum(case((Registration.status == RegistrationStatus.yes, 1), else_=0))
    held = func.sum(case((holds_seat(), 1), else_=0))
    waiting = func.sum(case((Registration.status == RegistrationStatus.waitlisted, 1), else_=0))
    stmt = (select(Event, fresh, yes, held, waiting)
            .outerjoin(Registration, Registration.event_id == Event.id)
            .options(selectinload(Event.chapter))
            .where(Event.status != EventStatus.cancelled, Event.ends_at >= _naive_utc(current) - _ZONE_SLACK)
            .group_by(Event.id).order_by(Event.starts_at, Event.id))
    if is_staff(actor):
        stmt = stmt.having(fresh > 0)
    else:
        stmt = stmt.where(Event.chapter_id == actor.chapter_id)
        home.own_chapter = True
    for event, new, said_yes, taken, waitlisted in db.session.execute(stmt.limit(MANAGED_EVENTS + 5)):
        if ends_utc(event) < current or not can_manage_event(actor, event):
            continue
        home.events.append(ManagedEvent(
            event=event, new_answers=int(new or 0), yes=int(said_yes or 0), waitlisted=int(waitlisted or 0),
            places_left=places_left_of(event.capacity, int(taken or 0))))
    home.events = home.events[:MANAGED_EVENTS]
    return home


def mail_waits_for_worker(queued: int, *, now: datetime | None = None) -> bool:
    """Messages are queued and no mail worker has said it is alive: they wait until one starts."""
    return queued > 0 and not workers.is_alive("mail", now=now)


@dataclass(frozen=True)
class FailedMailing:
    mailing: str
    #: The event the mailing is about (its status page), None for other mail.
    event_id: int | None
    failed: int


@dataclass
class StaffHome:
    held_addresses: int
    failed_mail: int
    queued_mail: int
    no_mail_worker: bool
    failed_mailings: list[FailedMailing]
    #: The latest member imports uploaded on the staff page, newest first (their results).
    imports: list[ImportJob]


def staff_home(actor: User, *, now: datetime | None = None, top: int = 5) -> StaffHome | None:
    """What needs headquarters staff: held addresses, failed mail by mailing (most failures
    first), queued mail with no worker to send it, and the latest imports' results. None for
    anyone else."""
    if not can_manage_mail_holds(actor):
        return None
    held = db.session.scalar(select(func.count()).select_from(MailAddressHold).where(MailAddressHold.held))
    by_status = dict(db.session.execute(
        select(OutgoingMail.status, func.count(OutgoingMail.id))
        .where(OutgoingMail.status.in_((MailStatus.failed, MailStatus.queued)))
        .group_by(OutgoingMail.status)).all())
    failed = by_status.get(MailStatus.failed, 0)
    queued = by_status.get(MailStatus.queued, 0)
    mailings = []
    if failed:
        n = func.count(OutgoingMail.id)
        for mailing, count in db.session.execute(
                select(OutgoingMail.mailing, n).where(OutgoingMail.status == MailStatus.failed)
                .group_by(OutgoingMail.mailing).order_by(n.desc(), OutgoingMail.mailing).limit(top)):
            parts = (mailing or "").split(":")
            event_id = int(parts[1]) if len(parts) > 2 and parts[0] == "event" and parts[1].isdigit() else None
            mailings.append(FailedMailing(mailing=mailing or "", event_id=event_id, failed=count))
    return StaffHome(held_addresses=held or 0, failed_mail=failed, queued_mail=queued,
                     no_mail_worker=mail_waits_for_worker(queued, now=now), failed_mailings=mailings,
                     imports=recent_import_jobs(limit=3))

