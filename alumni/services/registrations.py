"""RSVPs: answers, capacity and side quotas, the waitlist, check-in, the forum summary.

Capacity is guarded by a row lock on the event (SELECT … FOR UPDATE on PostgreSQL): every
change that can take or free a seat first locks the event row, so concurrent answers are
serialised per event and a count followed by an insert cannot race. SQLite serialises writers
on its own."""
from __future__ import annotations

import io
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from babel import Locale
from flask_babel import get_locale
from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, bindparam, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from alumni import formatting
from alumni.errors import Conflict, Invalid, NotFound
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import (
    Event,
    EventStatus,
    Institution,
    InstitutionKind,
    Member,
    Question,
    Registration,
    RegistrationStatus,
    Response,
    User,
)
from alumni.models.types import utcnow
from alumni.services import csvsafe, questions
from alumni.services import validation as v
from alumni.services.audit import snapshot
from alumni.services.eventbase import answers_close_utc, clean_side, missing_event, moment_text, starts_utc, zone_label
from alumni.services.institutions import get_institution
from alumni.services.search import member_search_key
from alumni.signals import (
    registration_answered,
    registration_checked_in,
    registration_offer_ended,
    registration_offered,
    registration_promoted,
)

#: The fields of a registration whose before/after the audit log keeps.
AUDIT_FIELDS = ("response", "status", "side", "institution_id", "waitlist_number")
#: The fields an offer's end changes (the audit log's before/after).
OFFER_FIELDS = ("response", "status", "waitlist_number", "offer_expires_at")

PROMOTION_BATCH = 100

#: Statuses that hold a seat or a place in line.
ACTIVE = (RegistrationStatus.yes, RegistrationStatus.waitlisted)


@dataclass
class Outcome:
    """What an answer did: the registration, whether it was new, and who got a seat because of it."""

    registration: Registration
    created: bool = False
    promoted: list[Registration] = field(default_factory=list)


# ---------------------------------------------------------------- locking and counting
def lock_event(event: Event) -> Event:
    """Take the event's row lock for the rest of the transaction and reload it."""
    return db.session.scalars(
        select(Event).where(Event.id == event.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


@dataclass(frozen=True)
class Seats:
    """An event's seats as counted now: taken (yes) in all and per side, and the waitlist."""
    capacity: int | None
    taken: int
    per_side: dict[str, int]
    waitlisted: int

    @property
    def places_left(self) -> int | None:
        return places_left_of(self.capacity, self.taken)


def places_left_of(capacity: int | None, taken: int) -> int | None:
    """Seats left of `capacity` (None: no limit) when `taken` are taken: the one formula that
    the event page, the summary, the home page and the API show."""
    return None if capacity is None else max(0, capacity - taken)


#: Built once: every answer counts the seats. An open offer (waitlisted, offered) holds a seat.
_HOLDS_OFFER = Registration.offer_expires_at.is_not(None).label("offered")
_SEATS = (select(Registration.status, Registration.side, _HOLDS_OFFER, func.count(Registration.id))
          .where(Registration.event_id == bindparam("event_id"),
                 Registration.status.in_((RegistrationStatus.yes, RegistrationStatus.waitlisted)))
          .group_by(Registration.status, Registration.side, _HOLDS_OFFER))


def seats(event: Event) -> Seats:
    """One grouped count of the event's yes and waitlisted registrations; `taken` counts the seats
    held by open offers too."""
    rows = db.session.execute(_SEATS, {"event_id": event.id}).all()
    held = [(side, n) for status, side, offered, n in rows
            if status == RegistrationStatus.yes or (status == RegistrationStatus.waitlisted and offered)]
    per_side: dict[str, int] = {}
    for side, n in held:
        if side is not None:
            per_side[side] = per_side.get(side, 0) + n
    return Seats(capacity=event.capacity, taken=sum(n for _side, n in held), per_side=per_side,
                 waitlisted=sum(n for status, _side, _offered, n in rows if status == RegistrationStatus.waitlisted))


def count_taken(event: Event) -> tuple[int, dict[str, int]]:
    """Seats taken (yes) in all and per side."""
    counted = seats(event)
    return counted.taken, counted.per_side


def _has_seat(event: Event, side: str | None, taken: int, per_side: dict[str, int]) -> bool:
    if event.capacity is not None and taken >= event.capacity:
        return False
    quota = (event.side_quotas or {}).get(side) if side else None
    return quota is None or per_side.get(side or "", 0) < quota  # a quota implies a side


def places_left(event: Event) -> int | None:
    return None if event.capacity is None else seats(event).places_left


def _next_waitlist_number(event: Event) -> int:
    current = db.session.scalar(
        select(func.max(Registration.waitlist_number)).where(Registration.event_id == event.id)
    )
    return (current or 0) + 1


def waitlist(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == RegistrationStatus.waitlisted)
        .options(selectinload(Registration.member))
        .order_by(Registration.waitlist_number)
    ))


def waitlist_positions(event: Event) -> dict[int, int]:
    """{registration id: position (1 = next in line)}."""
    return {reg.id: n for n, reg in enumerate(waitlist(event), start=1)}


_WAITLIST_AHEAD = (select(func.count(Registration.id))
                   .where(Registration.event_id == bindparam("event_id"),
                          Registration.status == RegistrationStatus.waitlisted,
                          Registration.waitlist_number <= bindparam("number")))


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.waitlisted:
        return None
    return db.session.scalar(_WAITLIST_AHEAD, {"event_id": registration.event_id,
                                               "number": registration.waitlist_number})


def offer_open(registration: Registration) -> bool:
    """The registration holds an offered seat (it may have expired and wait for `lapse_offers`)."""
    return registration.status == RegistrationStatus.waitlisted and registration.offer_expires_at is not None


def _next_in_line(event: Event) -> Iterator[Registration]:
    """The waitlisted registrations (without an offer) that fit a free seat, in arrival order: a
    full side keeps its own registrants waiting but does not hold up those of another side. Each
    one yielded is counted as taking a seat; read in batches, so that freeing one seat at an event
    with thousands waiting reads one batch, not the whole list."""
    taken, per_side = count_taken(event)
    last_number: int | None = 0
    while event.capacity is None or taken < event.capacity:
        batch = list(db.session.scalars(
            select(Registration).where(Registration.event_id == event.id,
                                       Registration.status == RegistrationStatus.waitlisted,
                                       Registration.offer_expires_at.is_(None),
                                       Registration.waitlist_number > last_number)
            .order_by(Registration.waitlist_number).limit(PROMOTION_BATCH)
        ))
        if not batch:
            return
        last_number = batch[-1].waitlist_number
        for reg in batch:
            if event.capacity is not None and taken >= event.capacity:
                return
            if not _has_seat(event, reg.side, taken, per_side):
                continue
            taken += 1
            if reg.side:
                per_side[reg.side] = per_side.get(reg.side, 0) + 1
            yield reg


def promote_waitlisted(event: Event, *, actor: User | None = None) -> list[Registration]:
    """Give free seats to the waitlist in arrival order (`_next_in_line`). Sends
    `registration_promoted` for each (`actor`: whoever freed or added the seat); answers them.

    An event with waitlist offers (`offer_hours`) promotes nobody: each free seat is offered to the
    next in line instead, held for them until the offer is taken, declined or lapses
    (`registration_offered`; answers no one, as nobody has a seat yet)."""
    if event.status != EventStatus.published:
        return []
    event = lock_event(event)
    hours = event.offer_hours
    now = utcnow()
    chosen = list(_next_in_line(event))
    for reg in chosen:
        if hours is None:
            reg.status, reg.waitlist_number, reg.promoted_at = RegistrationStatus.yes, None, now
        else:
            reg.offer_expires_at = _offer_expiry(event, now, hours)
    db.session.flush()
    for reg in chosen:
        (registration_promoted if hours is None else registration_offered).send(reg, actor=actor)
    return chosen if hours is None else []


# ---------------------------------------------------------------- offers
def _offer_expiry(event: Event, now: datetime, hours: int) -> datetime:
    """An offer made `now` is held `hours`, but not past the event's start if that is still ahead."""
    expires = now + timedelta(hours=hours)
    start = starts_utc(event)
    return start if now < start < expires else expires


def _end_offer(reg: Registration, outcome: str, actor: User | None) -> None:
    """Close `reg`'s open offer: "taken" gives it the seat; "declined" and "lapsed" take it off
    the waitlist (the caller passes the seat on)."""
    before = snapshot(reg, OFFER_FIELDS)
    now = utcnow()
    if outcome == "taken":
        reg.status, reg.response, reg.promoted_at = RegistrationStatus.yes, Response.yes, now
    else:
        reg.status = RegistrationStatus.cancelled
    reg.waitlist_number, reg.offer_expires_at, reg.updated_at = None, None, now
    db.session.flush()
    after = snapshot(reg, before)
    registration_offer_ended.send(reg, actor=actor, outcome=outcome,
                                  changes={f: [before[f], after[f]] for f in before if before[f] != after[f]})


def offer_deadline(expires: datetime, zone: str, locale: Locale | str | None) -> str:
    """An offer's deadline as the day and time in `zone` (the member's), named, the way `locale`
    writes them: "Sat, Jan 23, 2027, 6:00 PM (India Time)"."""
    return _("%(time)s (%(zone)s)", time=formatting.event_datetime(expires, zone, locale),
             zone=zone_label(zone, locale))


def _given_up(reg: Registration, offer: datetime | None, actor: User | None) -> None:
    """An answer other than taking it ended the offer `offer` (None: there was none): logged as
    declined."""
    if offer is not None:
        registration_offer_ended.send(reg, actor=actor, outcome="declined",
                                      changes={"offer_expires_at": [offer.isoformat(), None]})


def _open_offer(registration: Registration) -> Event:
    """Lock the event, re-read `registration` and check it holds an offer that may be answered."""
    event = lock_event(registration.event)
    _check_open(event, None)
    db.session.refresh(registration)
    if not offer_open(registration):
        raise Conflict(_("There is no open offer of a seat for this registration."), field="offer")
    return event


def take_offer(registration: Registration, *, actor: User | None = None) -> Outcome:
    """The member takes the seat offered to them: yes, with a seat. Refused (Conflict) when there
    is no offer or it has expired."""
    _open_offer(registration)
    expires = registration.offer_expires_at
    if expires is not None and expires <= utcnow():
        raise Conflict(_("This offer has expired; the seat passes to the next person on the waitlist."),
                       field="offer")
    _end_offer(registration, "taken", actor)
    return Outcome(registration, False, [registration])


def decline_offer(registration: Registration, *, actor: User | None = None) -> Outcome:
    """The member declines the seat offered to them: they leave the waitlist and the seat is
    offered to the next in line."""
    event = _open_offer(registration)
    _end_offer(registration, "declined", actor)
    promote_waitlisted(event, actor=actor)
    return Outcome(registration)


def lapse_offers(now: datetime | None = None) -> int:
    """The scheduler's task: offers past their deadline lapse (the member leaves the waitlist) and
    their seats are offered to the next in line. Each event is handled under its row lock and its
    expired offers are read again under it, so a second scheduler running at the same time waits,
    then finds nothing left to do: an offer lapses, and passes on, exactly once. Answers how many
    lapsed."""
    now = now or utcnow()
    expired = (Registration.status == RegistrationStatus.waitlisted, Registration.offer_expires_at <= now)
    event_ids = list(db.session.scalars(select(Registration.event_id).where(*expired).distinct()))
    lapsed = 0
    for event_id in event_ids:
        event = db.session.get(Event, event_id)
        if event is None:
            continue
        event = lock_event(event)
        for reg in db.session.scalars(select(Registration).where(Registration.event_id == event_id, *expired)
                                      .order_by(Registration.waitlist_number)
                                      .execution_options(populate_existing=True)).all():
            _end_offer(reg, "lapsed", None)
            lapsed += 1
        promote_waitlisted(event)
    return lapsed


# ---------------------------------------------------------------- answering
#: Answers that ask for (or may ask for) a seat: refused once answers have closed.
SEAT_ANSWERS = (Response.yes, Response.maybe)
#: Registrations a member may withdraw (a "no" has nothing to withdraw, a cancelled one is done).
WITHDRAWABLE = (RegistrationStatus.yes, RegistrationStatus.waitlisted, RegistrationStatus.maybe)


def _refusal(event: Event, response: Response | None) -> Conflict | None:
    """Why `event` takes no `response` now (None: it takes it). `response` None asks about
    withdrawing, which is judged as a "no". The one rule behind `respond`, `withdraw` and
    `answer_options` (what the event page and the API offer)."""
    if event.status == EventStatus.cancelled:
        return Conflict(_("This event is cancelled; it takes no answers."), field="response")
    if event.status != EventStatus.published:
        return Conflict(_("This event is not published yet; it takes no answers."), field="response")
    # Past the deadline a member may still say no or withdraw (that frees a seat), not say yes.
    if response in SEAT_ANSWERS and utcnow() > answers_close_utc(event):
        return Conflict(_("Registration for this event has closed."), field="response")
    return None


def _check_open(event: Event, response: Response | None) -> None:
    refusal = _refusal(event, response)
    if refusal is not None:
        raise refusal


@dataclass(frozen=True)
class AnswerOptions:
    """What a member may answer to an event now, given their registration (or none).

    `responses`: the answers `respond` takes now, in the order a page offers them;
    `withdraw`: whether `withdraw` is offered (a registration that holds or asks for a place);
    `closed`: answers that ask for a seat are no longer taken (the deadline passed) though the
    event is published; `yes_joins_waitlist`: no seat is free, so a new yes joins the waitlist."""
    responses: tuple[Response, ...]
    withdraw: bool
    closed: bool
    yes_joins_waitlist: bool

    def names(self) -> list[str]:
        """The options as the API writes them: "yes", "maybe", "no", "withdraw"."""
        return [r.value for r in self.responses] + (["withdraw"] if self.withdraw else [])


_OFFERED = (Response.yes, Response.maybe, Response.no)


def answer_options(event: Event, registration: Registration | None, *,
                   places_left: int | None = None) -> AnswerOptions:
    """The answers `registration`'s member (or a member not yet registered) may give to `event`
    now, judged by the same rule as `respond` and `withdraw` (`_refusal`). `places_left`, when
    the caller counted it already (the event page), saves a count."""
    responses = tuple(r for r in _OFFERED if _refusal(event, r) is None)
    withdraw = (registration is not None and registration.status in WITHDRAWABLE
                and _refusal(event, None) is None)
    closed = event.status == EventStatus.published and Response.yes not in responses
    holds_place = registration is not None and registration.status in ACTIVE
    if places_left is None and event.capacity is not None:
        places_left = seats(event).places_left
    full = event.capacity is not None and places_left == 0
    return AnswerOptions(responses=responses, withdraw=withdraw, closed=closed,
                         yes_joins_waitlist=Response.yes in responses and full and not holds_place)


def _side_for(event: Event, value: object) -> str | None:
    side = clean_side(value)
    quotas = event.side_quotas or {}
    if quotas:
        match = next((s for s in quotas if side and s.casefold() == side.casefold()), None)
        if match is None:
            raise Invalid(_("Choose the side: %(sides)s.", sides=", ".join(quotas)), field="side")
        return match
    return side


@dataclass(frozen=True)
class EventPage:
    """What an event's page shows: the event (with its chapter), the seats left and the
    waitlist's length, the viewer's own registration with its place on the waitlist, and the
    answers the viewer may give now (`answer_options`)."""
    event: Event
    places_left: int | None
    waitlisted: int
    registration: Registration | None
    position: int | None
    answers: AnswerOptions
    #: How many registration questions the event asks (their page queries them only if any).
    questions_asked: int = 0


def _counted(status: RegistrationStatus) -> ScalarSelect[int]:
    """The event's registrations in `status`, as a column of a statement selecting the event."""
    other = aliased(Registration)
    return (select(func.count(other.id)).where(other.event_id == Event.id, other.status == status)
            .correlate(Event).scalar_subquery())


def holds_seat(reg: type[Registration] | Any = Registration) -> ColumnElement[bool]:
    """SQL: the registration `reg` (the table or an alias) holds a seat — a yes, or an open offer
    from the waitlist. The one rule every count of places left is built on (`seats` counts the
    same rows in Python)."""
    offered = and_(reg.status == RegistrationStatus.waitlisted, reg.offer_expires_at.is_not(None))
    return or_(reg.status == RegistrationStatus.yes, offered)


def _held() -> ScalarSelect[int]:
    """The event's seats held (`holds_seat`), as a column of a statement selecting the event."""
    other = aliased(Registration)
    return (select(func.count(other.id)).where(other.event_id == Event.id, holds_seat(other))
            .correlate(Event).scalar_subquery())


_MINE = aliased(Registration)
#: Built once: every event page, and every member's, runs it.
_EVENT_PAGE = (
    select(Event, _MINE, _held(), _counted(RegistrationStatus.waitlisted),
           select(func.count(Question.id)).where(Question.event_id == Event.id).correlate(Event).scalar_subquery())
    .outerjoin(_MINE, and_(_MINE.event_id == Event.id, _MINE.member_id == bindparam("member_id")))
    .options(joinedload(Event.chapter))
    .where(Event.id == bindparam("event_id"))
)


def event_page(event_id: int, member: Member | None) -> EventPage:
    """The event `event_id` as its page shows it to `member` (None: a visitor), in one
    statement (two for a member on the waitlist, who is also told their place)."""
    row = db.session.execute(_EVENT_PAGE, {"event_id": event_id,
                                           "member_id": member.id if member is not None else None}).first()
    if row is None:
        raise missing_event(event_id)
    event, registration, taken, waitlisted, asked = row
    left = places_left_of(event.capacity, taken)
    return EventPage(event=event, places_left=left, waitlisted=waitlisted, registration=registration,
                     position=waitlist_position(registration) if registration is not None else None,
                     answers=answer_options(event, registration, places_left=left), questions_asked=asked)


def find_registration(event: Event, member: Member) -> Registration | None:
    # populate_existing: a registration the caller loaded before taking the event's lock (the
    # API's PATCH) is re-read, not trusted — another request may have promoted it meanwhile.
    return db.session.scalar(_REGISTRATION_OF, {"event_id": event.id, "member_id": member.id})


_REGISTRATION_OF = (select(Registration)
                    .where(Registration.event_id == bindparam("event_id"),
                           Registration.member_id == bindparam("member_id"))
                    .execution_options(populate_existing=True))


def respond(event: Event, member: Member, response: Response | str, *, institution_id: int | None = None,
            side: str | None = None, actor: User | None = None, answers: Mapping[Any, Any] | None = None,
            strict_answers: bool = True) -> Outcome:
    """A member answers yes / maybe / no; answering again changes the same registration.

    A yes takes a seat if the event and the member's side have one, else joins the waitlist at
    its end. Leaving a seat (maybe / no) promotes the first waitlisted who fits."""
    answer = v.choice(response, Response, "response")
    event = lock_event(event)
    _check_open(event, answer)
    institution = get_institution(institution_id)
    # A side is asked of those who come (or may come); a "no" needs none.
    needs_side = side not in (None, "") or (event.side_quotas and answer != Response.no)
    side = _side_for(event, side) if needs_side else None
    reg = find_registration(event, member)
    checked = _checked_answers(event, reg, answer, answers, strict_answers)
    created = reg is None
    before = dict.fromkeys(AUDIT_FIELDS) if reg is None else snapshot(reg, AUDIT_FIELDS)
    if reg is None:
        reg = Registration(event_id=event.id, member_id=member.id, ticket_token=secrets.token_urlsafe(32),
                           response=answer, status=RegistrationStatus.no)
        db.session.add(reg)
    held_seat = reg.status == RegistrationStatus.yes
    offer = reg.offer_expires_at if offer_open(reg) else None
    offered = offer is not None
    side_changed = not created and reg.side != side
    reg.response = answer
    if institution is not None or created:
        reg.institution = institution
    reg.side = side

    taken = False
    if offered and answer == Response.yes and not side_changed:
        # A yes takes an open offer; an expired one is left for the scheduler to pass on.
        taken = offer is not None and offer > utcnow()
        if taken:
            _end_offer(reg, "taken", actor)
    elif answer == Response.yes:
        _ask_for_seat(event, reg, side, release=held_seat or offered, side_changed=side_changed)
    else:
        reg.status, reg.waitlist_number, reg.offer_expires_at = RegistrationStatus(answer.value), None, None
    reg.updated_at = utcnow()
    db.session.flush()
    _store_answers(reg, checked)
    _answered(reg, before, actor, created=created)
    if not taken and reg.offer_expires_at is None:
        _given_up(reg, offer, actor)
    promoted = promote_waitlisted(event, actor=actor) if held_seat or offered else []
    return Outcome(reg, created, promoted)


def _checked_answers(event: Event, reg: Registration | None, answer: Response, given: Mapping[Any, Any] | None,
                     strict: bool) -> dict[int, Any] | None:
    """The answers to the event's questions to store (None: keep what is stored). Asked of a yes
    or maybe; without new answers, those stored must still satisfy the questions (a required
    question added since is asked for)."""
    if answer == Response.no:
        return None
    if given is None:
        questions.check_answers(event, questions.answers_of(reg) if reg is not None else {}, strict=False)
        return None
    return questions.check_answers(event, given, strict=strict)


def _store_answers(reg: Registration, checked: dict[int, Any] | None) -> None:
    if checked is not None:
        questions.save_answers(reg, checked)


def _ask_for_seat(event: Event, reg: Registration, side: str | None, *, release: bool, side_changed: bool) -> None:
    """A yes: a seat if the event and the side have one, else the end of the waitlist. A yes
    already seated or waiting on the same side keeps its place; on a new side a held seat (or an
    offered one) is given up first."""
    if reg.status in ACTIVE and not side_changed:
        return
    if release:
        reg.status, reg.offer_expires_at = RegistrationStatus.no, None
        db.session.flush()
    taken, per_side = count_taken(event)
    if _has_seat(event, side, taken, per_side):
        reg.status, reg.waitlist_number = RegistrationStatus.yes, None
    else:
        reg.status, reg.waitlist_number = RegistrationStatus.waitlisted, _next_waitlist_number(event)


def _answered(reg: Registration, before: dict[str, Any], actor: User | None, *, created: bool = False,
              action: str = "registration.answered") -> None:
    after = snapshot(reg, before)
    changes = {f: [before[f], after[f]] for f in before if before[f] != after[f]}
    registration_answered.send(reg, actor=actor, changes=changes, created=created, action=action)


def withdraw(registration: Registration, *, actor: User | None = None) -> Outcome:
    """Cancel a registration; a seat it held goes to the waitlist. Refused (Conflict) where a
    "no" is: a cancelled event takes no answers."""
    event = lock_event(registration.event)
    _check_open(event, None)
    # Re-read under the lock: the caller loaded it before, and a concurrent withdrawal may have
    # promoted it from the waitlist since. Trusting the stale "waitlisted" would free its seat
    # without promoting anyone (found by bench/load.py).
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.cancelled:
        return Outcome(registration)
    offer = registration.offer_expires_at if offer_open(registration) else None
    held_seat = registration.status == RegistrationStatus.yes or offer is not None
    before = snapshot(registration, AUDIT_FIELDS)
    registration.status = RegistrationStatus.cancelled
    registration.waitlist_number = registration.offer_expires_at = None
    registration.updated_at = utcnow()
    db.session.flush()
    _answered(registration, before, actor, action="registration.withdrawn")
    _given_up(registration, offer, actor)
    return Outcome(registration, False, promote_waitlisted(event, actor=actor) if held_seat else [])


def change_registration(registration: Registration, changes: dict[str, Any], *,
                        actor: User | None = None) -> Outcome:
    """PATCH: {"response": …} changes the answer, {"status": "cancelled"} withdraws."""
    unknown = set(changes) - {"response", "status", "institution_id", "side", "answers"}
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(_("%(field)s cannot be changed here.", field=name), field=name)
    if changes.get("status") is not None:
        if changes["status"] != RegistrationStatus.cancelled.value:
            raise Invalid(_("Only \"cancelled\" can be set as status; change the answer with response."),
                          field="status")
        return withdraw(registration, actor=actor)
    if registration.member is None:
        raise Conflict(_("This registration belongs to a deleted account."), field="response")
    response = changes.get("response") or registration.response.value
    return respond(registration.event, registration.member, response,
                   institution_id=changes.get("institution_id", registration.institution_id),
                   side=changes.get("side", registration.side), actor=actor, answers=changes.get("answers"))


def get_registration(registration_id: int) -> Registration:
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        raise NotFound(_("There is no registration %(id)s.", id=registration_id))
    return reg


def find_by_token(token: str) -> Registration:
    reg = db.session.scalar(select(Registration).where(Registration.ticket_token == (token or "")[:64]))
    if reg is None:
        raise NotFound(_("This ticket is not valid."))
    return reg


# ---------------------------------------------------------------- check-in
def check_in(registration: Registration, *, actor: User | None = None) -> Registration:
    """Mark the person as arrived. A second check-in is reported (Conflict) and not counted:
    the UPDATE only applies while checked_in_at is empty, so even two scanners at the same
    moment record one arrival."""
    if registration.status != RegistrationStatus.yes:
        raise Conflict(_("Only people with a confirmed seat can be checked in (this one is: %(status)s).",
                         status=registration.status.label), field="status")
    now = utcnow()
    result = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(registration)
    if cast("CursorResult[Any]", result).rowcount == 0:  # an UPDATE answers a CursorResult
        raise Conflict(_("Already checked in at %(time)s.", time=checked_in_time(registration)),
                       field="checked_in_at")
    registration_checked_in.send(registration, actor=actor)
    return registration


def checked_in_time(registration: Registration) -> str:
    """When the person was checked in, in the event's zone (named) and the reader's locale — the
    time the people at the door see on their own clocks ("Nov 28, 1:22 PM (India Time)")."""
    moment = registration.checked_in_at
    if moment is None:
        return ""
    locale = get_locale() or "en"
    zone = registration.event.timezone
    return _("%(time)s (%(zone)s)", time=moment_text(moment, zone, locale), zone=zone_label(zone, locale))


# ---------------------------------------------------------------- lists, summary, export
def list_registrations(event: Event, *, status: str | None = None, side: str | None = None,
                       q: str | None = None, checked_in: bool | None = None) -> Select[Registration]:
    stmt = (select(Registration).outerjoin(Member, Registration.member_id == Member.id)
            .where(Registration.event_id == event.id)
            .options(contains_eager(Registration.member), selectinload(Registration.institution)))
    if status:
        stmt = stmt.where(Registration.status == v.choice(status, RegistrationStatus, "status"))
    if side:
        stmt = stmt.where(Registration.side == side)
    if checked_in is not None:
        stmt = stmt.where(Registration.checked_in_at.is_not(None) if checked_in
                          else Registration.checked_in_at.is_(None))
    if q:
        key = member_search_key(q)
        if key:
            stmt = stmt.where(Member.search_key.contains(key, autoescape=True))
    return stmt.order_by(Registration.waitlist_number.is_(None).desc(), Registration.waitlist_number,
                         Member.family_name, Member.given_name, Registration.id)


def member_registrations(member: Member) -> Select[Registration]:
    return (select(Registration).join(Event).where(Registration.member_id == member.id)
            .options(contains_eager(Registration.event).selectinload(Event.chapter))
            .order_by(Event.starts_at.desc()))


def status_counts(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """{event id: {status: N}} for the events `event_ids` (a list page's counts, one query)."""
    counts: dict[int, dict[str, int]] = {}
    if not event_ids:
        return counts
    for event_id, status, n in db.session.execute(
        select(Registration.event_id, Registration.status, func.count(Registration.id))
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    ):
        counts.setdefault(event_id, {})[status.value] = n
    return counts


def summarise(event: Event) -> dict[str, Any]:
    """{by_status, checked_in, places_left, sides: {SIDE: {people, institutions: {KIND: N}}}},
    sides counted over confirmed seats (yes), institutions counted once each per side."""
    by_status = {s.value: 0 for s in RegistrationStatus}
    for status, n in db.session.execute(
        select(Registration.status, func.count(Registration.id))
        .where(Registration.event_id == event.id).group_by(Registration.status)
    ):
        by_status[status.value] = n
    checked_in = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.checked_in_at.is_not(None)))
    left = places_left_of(event.capacity, by_status["yes"])
    sides: dict[str, dict[str, Any]] = {}
    confirmed = (Registration.event_id == event.id) & (Registration.status == RegistrationStatus.yes)
    side: str | None  # the queries below answer None for no side
    for side in list(event.side_quotas or {}):
        sides[side] = _empty_side()
    for side, n in db.session.execute(
        select(Registration.side, func.count(Registration.id)).where(confirmed).group_by(Registration.side)
    ):
        if side is not None:
            sides.setdefault(side, _empty_side())["people"] = n
    for side, kind, n in db.session.execute(
        select(Registration.side, Institution.kind, func.count(func.distinct(Institution.id)))
        .join(Institution, Registration.institution_id == Institution.id)
        .where(confirmed).group_by(Registration.side, Institution.kind)
    ):
        if side is not None:
            sides.setdefault(side, _empty_side())["institutions"][kind.value] = n
    return {"by_status": by_status, "checked_in": checked_in, "places_left": left, "sides": sides,
            "questions": questions.answer_counts(event)}


def _empty_side() -> dict[str, Any]:
    return {"people": 0, "institutions": {k.value: 0 for k in InstitutionKind}}


CSV_COLUMNS = ["registration_id", "name", "native_name", "email", "country", "status", "waitlist_position",
               "side", "institution", "institution_kind", "checked_in_at", "answered_at"]


def export_csv(event: Event) -> bytes:
    """Attendees as CSV, UTF-8 with a BOM so that Excel shows 佐藤 花子 and प्रिया शर्मा correctly."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)  # names and institutions are typed by people
    asked = questions.questions_of(event)  # one column per registration question, after the fixed ones
    writer.writerow(CSV_COLUMNS + questions.csv_header(asked))
    answers = questions.answers_by_registration(event)
    positions = waitlist_positions(event)
    rows = db.session.execute(
        list_registrations(event).add_columns(Institution.name, Institution.kind)
        .outerjoin(Institution, Registration.institution_id == Institution.id)
    ).all()
    for reg, inst_name, inst_kind in rows:
        member = reg.member
        writer.writerow([
            reg.id,
            member.latin_name if member else _("(deleted account)"),
            member.native_name if member else "",
            member.email if member else "",
            member.country or "" if member else "",
            reg.status.value,
            positions.get(reg.id, ""),
            reg.side or "",
            inst_name or "",
            inst_kind.value if inst_kind else "",
            reg.checked_in_at.isoformat() if reg.checked_in_at else "",
            reg.updated_at.isoformat(),
            *questions.csv_cells(asked, answers.get(reg.id, {})),
        ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


#: The sides table as staff publish it (the brochure's columns: 大学・研究機関 is universities and
#: research institutes together), with headers in Japanese or English.
SIDES_CSV_HEADERS: dict[str, list[str]] = {
    "en": ["Side", "Universities and research institutes", "Universities", "Research institutes",
           "Related organisations", "Companies", "Government bodies", "Other organisations", "People"],
    "ja": ["側", "大学・研究機関", "大学", "研究機関", "関係機関", "企業", "政府機関", "その他の機関", "人数"],
}


def export_sides_csv(event: Event, lang: str) -> bytes:
    """The summary's sides (registrations with a seat) as the brochure's table, one row per side;
    `lang` "ja" or "en" for the headers. UTF-8 with a BOM, like export_csv."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)  # sides are typed by organizers
    writer.writerow(SIDES_CSV_HEADERS[lang if lang in SIDES_CSV_HEADERS else "en"])
    for side, row in summarise(event)["sides"].items():
        kinds = row["institutions"]
        writer.writerow([side, kinds["university"] + kinds["research_institute"], kinds["university"],
                         kinds["research_institute"], kinds["related_organisation"], kinds["company"],
                         kinds["government"], kinds["other"], row["people"]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
