"""Events: create, change, publish, cancel, list. Times are local wall-clock in the event's IANA
zone; UTC is derived here when a rule needs it (deadlines, upcoming/past)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, overload

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload, selectinload

from alumni.errors import Conflict, Invalid
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import (
    Chapter,
    ChapterCountry,
    Event,
    EventKind,
    EventStatus,
    QuestionForm,
    Registration,
    RegistrationStatus,
    User,
)
from alumni.models.types import utcnow
from alumni.permissions import can_manage_event, managed_chapter_ids
from alumni.services import questions
from alumni.services import validation as v
from alumni.services.audit import created, diff, snapshot
from alumni.services.chapters import get_chapter
from alumni.services.eventbase import MAX_CAPACITY as MAX_CAPACITY
from alumni.services.eventbase import MAX_LENGTH as MAX_LENGTH
from alumni.services.eventbase import answers_close_utc as answers_close_utc
from alumni.services.eventbase import clean_side, missing_event
from alumni.services.eventbase import ends_utc as ends_utc
from alumni.services.eventbase import in_zone as in_zone
from alumni.services.eventbase import is_public as is_public
from alumni.services.eventbase import moment_text as moment_text
from alumni.services.eventbase import starts_utc as starts_utc
from alumni.services.eventbase import to_utc as to_utc
from alumni.services.eventbase import zone_label as zone_label
from alumni.services.registrations import promote_waitlisted
from alumni.signals import event_cancelled, event_created, event_published, event_updated

EVENT_FIELDS = ("kind", "title", "description", "language", "translations", "starts_at", "ends_at",
                "all_day", "timezone", "venue", "country", "online_url", "capacity", "side_quotas",
                "registration_deadline", "offer_hours", "chapter", "slug", "answers_retention_days",
                "feedback_after_hours")
#: A change to one of these bumps the iCalendar SEQUENCE (calendars must update the entry).
SEQUENCE_FIELDS = ("starts_at", "ends_at", "all_day", "timezone", "venue", "online_url", "country")
MAX_SIDES = 8
#: The longest an offered seat is held: two weeks.
MAX_OFFER_HOURS = 336
#: The fields whose before/after the audit log keeps (alumni.signals.event_updated's `changes`).
AUDIT_FIELDS = ("kind", "title", "description", "language", "translations", "starts_at", "ends_at",
                "all_day", "timezone", "venue", "country", "online_url", "capacity", "side_quotas",
                "registration_deadline", "offer_hours", "chapter_id", "slug", "status", "answers_retention_days",
                "feedback_after_hours")


@overload
def _local_datetime(value: object, field: str, *, required: Literal[True] = ...) -> datetime: ...
@overload
def _local_datetime(value: object, field: str, *, required: bool) -> datetime | None: ...
def _local_datetime(value: object, field: str, *, required: bool = True) -> datetime | None:
    """A local ISO 8601 date-time without offset (2026-01-17T18:00:00); an offset is refused,
    because the zone is given separately and the event must keep its local time."""
    if value is None or value == "":
        if required:
            raise Invalid(_("%(field)s is required.", field=field), field=field)
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid(_("%(value)s is not a local date and time like 2026-01-17T18:00.", value=value),
                          field=field) from None
    if parsed.tzinfo is not None:
        raise Invalid(_("Give %(field)s as local time without an offset; the zone goes in timezone.",
                        field=field), field=field)
    return parsed.replace(second=parsed.second, microsecond=0)


def _capacity(value: object, field: str = "capacity") -> int | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, int | float | str):
            raise TypeError(value)
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(_("%(field)s must be a whole number.", field=field), field=field) from None
    if number < 0 or number > MAX_CAPACITY:
        raise Invalid(_("%(field)s must be between 0 and 1,000,000.", field=field), field=field)
    return number


def _offer_hours(value: object) -> int | None:
    """Waitlist offers: the hours an offered seat is held (1 to MAX_OFFER_HOURS); None = off."""
    hours = _capacity(value, "offer_hours")
    if hours is not None and not 1 <= hours <= MAX_OFFER_HOURS:
        raise Invalid(_("An offer is held for %(low)d to %(high)d hours.", low=1, high=MAX_OFFER_HOURS),
                      field="offer_hours")
    return hours


def _side_quotas(value: object) -> dict[str, int]:
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict):
        raise Invalid(_("side_quotas maps each side to its seats, e.g. {\"IN\": 40, \"JP\": 40}."),
                      field="side_quotas")
    if len(value) > MAX_SIDES:
        raise Invalid(_("At most %(n)d sides.", n=MAX_SIDES), field="side_quotas")
    quotas: dict[str, int] = {}
    for side, seats in value.items():
        name = clean_side(side)
        if not name:
            raise Invalid(_("A side needs a name."), field="side_quotas")
        if name.casefold() in {s.casefold() for s in quotas}:
            raise Invalid(_("The side %(side)s is given twice.", side=name), field="side_quotas")
        quota = _capacity(seats, "side_quotas")
        if quota is None:
            raise Invalid(_("Give the seats of side %(side)s as a number.", side=name), field="side_quotas")
        quotas[name] = quota
    return quotas


def _translations(value: object, default_language: str) -> dict[str, dict[str, str]]:
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict):
        raise Invalid(_("translations maps a language to its title and description."), field="translations")
    result: dict[str, dict[str, str]] = {}
    for tag, texts in value.items():
        lang = v.language(tag, "translations")
        if lang == default_language:
            continue
        if not isinstance(texts, dict):
            raise Invalid(_("translations maps a language to its title and description."), field="translations")
        unknown = set(texts) - {"title", "description"}
        if unknown:
            raise Invalid(_("A translation has only title and description."), field="translations")
        title = v.text(texts.get("title"), "translations", max_length=MAX_LENGTH["title"])
        description = v.text(texts.get("description"), "translations", max_length=MAX_LENGTH["description"],
                             multiline=True)
        if title or description:
            result[lang] = {"title": title, "description": description}
    return result


class _Pick(Protocol):
    """A field of the event as given, else its current value (a change), else `default`."""

    def __call__(self, name: str, default: object = None) -> object: ...


def _clean(values: dict[str, Any], current: Event | None = None) -> dict[str, Any]:
    """Check every field of an event (merged over the current values for a change)."""
    unknown = set(values) - set(EVENT_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(_("%(field)s is not a field of an event.", field=name), field=name)

    def pick(name: str, default: object = None) -> object:
        if name in values:
            return values[name]
        return getattr(current, name) if current is not None else default

    cleaned: dict[str, Any] = {}
    cleaned["kind"] = v.choice(pick("kind"), EventKind, "kind")
    cleaned["title"] = v.text(pick("title"), "title", required=True, max_length=MAX_LENGTH["title"])
    # Paragraphs: the form's text area, the page (white-space: pre-line), mail and calendars keep them.
    cleaned["description"] = v.text(pick("description", ""), "description", max_length=MAX_LENGTH["description"],
                                        multiline=True)
    cleaned["language"] = v.language(pick("language", "en"), "language")
    cleaned["translations"] = _translations(pick("translations", {}), cleaned["language"])
    cleaned["timezone"] = v.timezone_name(pick("timezone"), "timezone")
    cleaned.update(_clean_times(pick))
    cleaned.update(_clean_place(pick))
    cleaned["capacity"] = _capacity(pick("capacity"))
    cleaned["side_quotas"] = _side_quotas(pick("side_quotas", {}))
    cleaned["answers_retention_days"] = questions.clean_retention(pick("answers_retention_days"))
    cleaned["offer_hours"] = _offer_hours(pick("offer_hours"))
    cleaned["feedback_after_hours"] = questions.clean_feedback_after_hours(pick("feedback_after_hours"))
    chapter = values.get("chapter")
    if chapter is not None:
        cleaned["chapter"] = chapter if isinstance(chapter, Chapter) else get_chapter(chapter)
    elif current is None:
        raise Invalid(_("%(field)s is required.", field="chapter"), field="chapter")
    if "slug" in values:
        cleaned["slug"] = v.text(values["slug"], "slug", max_length=MAX_LENGTH["slug"]) or None
    return cleaned


def _clean_times(pick: _Pick) -> dict[str, datetime | bool | None]:
    """starts_at, ends_at (the start if not given), all_day (whole days), registration_deadline."""
    starts_at = _local_datetime(pick("starts_at"), "starts_at")
    ends_at = _local_datetime(pick("ends_at"), "ends_at", required=False) or starts_at
    all_day = bool(pick("all_day", False))
    if all_day:
        # Whole days: from the start of the first day to the end of the last one.
        starts_at = starts_at.replace(hour=0, minute=0, second=0, microsecond=0)
        ends_at = ends_at.replace(hour=23, minute=59, second=59, microsecond=0)
    if ends_at < starts_at:
        raise Invalid(_("The event ends before it starts."), field="ends_at")
    deadline = _local_datetime(pick("registration_deadline"), "registration_deadline", required=False)
    if deadline and deadline > ends_at:
        raise Invalid(_("The registration deadline is after the event ends."), field="registration_deadline")
    return {"starts_at": starts_at, "ends_at": ends_at, "all_day": all_day, "registration_deadline": deadline}


def _clean_place(pick: _Pick) -> dict[str, str | None]:
    """venue, country and online_url: a venue, an online link, or both."""
    cleaned: dict[str, str | None] = {}
    cleaned["venue"] = v.text(pick("venue", ""), "venue", max_length=MAX_LENGTH["venue"])
    cleaned["country"] = v.country(pick("country"), "country", required=False)
    online_url = v.text(pick("online_url", ""), "online_url", max_length=MAX_LENGTH["online_url"])
    if online_url and not online_url.lower().startswith(("https://", "http://")):
        raise Invalid(_("The online link must start with https://."), field="online_url")
    cleaned["online_url"] = online_url
    if not cleaned["venue"] and not online_url:
        raise Invalid(_("Give a venue, an online link, or both."), field="venue")
    return cleaned


# ---------------------------------------------------------------- commands
_EVENT_COLUMNS = tuple(sa_inspect(Event).column_attrs)


def event_state(event: Event) -> str:
    """Every column of the event as one string: equal strings, equal events (a cache key)."""
    return repr(tuple(getattr(event, attr.key) for attr in _EVENT_COLUMNS))


# --- the online link: only for those with a seat -------------------------------------------


def online_link_for(event: Event, viewer: User | None, *, registration: Registration | None = None) -> str:
    """The online link of `event` as `viewer` may see it: the link for staff, the event's
    organizers and a member holding a seat (a yes); "" for anyone else — anonymous visitors,
    members who said maybe or no or wait on the waitlist. `registration`: a registration already
    at hand (the ticket's), which then decides instead of the viewer's own."""
    if not event.online_url:
        return ""
    if viewer is not None and can_manage_event(viewer, event):
        return event.online_url
    if registration is not None:
        return event.online_url if registration.status == RegistrationStatus.yes else ""
    if viewer is None:
        return ""
    member_id = viewer.member_id
    return event.online_url if member_id is not None and event.id in seat_event_ids(member_id, [event.id]) else ""


def seat_event_ids(member_id: int, event_ids: list[int]) -> set[int]:
    """Those of `event_ids` where the member holds a seat (one query, for lists)."""
    if not event_ids:
        return set()
    return set(db.session.scalars(select(Registration.event_id).where(
        Registration.member_id == member_id, Registration.event_id.in_(event_ids),
        Registration.status == RegistrationStatus.yes)))


def online_links_for(events: list[Event], viewer: User | None) -> dict[int, str]:
    """online_link_for over a list (one query): event id -> link or ""."""
    online = [e for e in events if e.online_url]
    member_id = viewer.member_id if viewer is not None else None
    seats = seat_event_ids(member_id, [e.id for e in online]) if member_id is not None else set()
    return {e.id: e.online_url if (e.id in seats or (viewer is not None and can_manage_event(viewer, e))) else ""
            for e in online}


def get_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id, options=(joinedload(Event.chapter),))
    if event is None:
        raise missing_event(event_id)
    return event


def _change_refusal(event: Event) -> Conflict | None:
    if event.status == EventStatus.cancelled:
        return Conflict(_("This event is cancelled; it can no longer be changed."), field="status")
    return None


def _publish_refusal(event: Event) -> Conflict | None:
    if event.status == EventStatus.cancelled:
        return Conflict(_("A cancelled event cannot be published again."), field="status")
    return None


def _cancel_refusal(event: Event) -> Conflict | None:
    if event.status == EventStatus.cancelled:
        return Conflict(_("This event is already cancelled."), field="status")
    return None


def _raise(refusal: Conflict | None) -> None:
    if refusal is not None:
        raise refusal


@dataclass(frozen=True)
class EventActions:
    """What can be done to an event in its present state (by those who manage it): the buttons
    of the organizer page, judged by the rules `update_event`, `publish_event` and `cancel_event`
    apply."""
    edit: bool
    publish: bool
    cancel: bool


def event_actions(event: Event) -> EventActions:
    return EventActions(edit=_change_refusal(event) is None,
                        # publishing a published event changes nothing: offered to drafts only
                        publish=event.status == EventStatus.draft and _publish_refusal(event) is None,
                        cancel=_cancel_refusal(event) is None)


def create_event(values: dict[str, Any], *, actor: User | None = None) -> Event:
    """A new draft; `questions` (the API's list) become its registration questions,
    `feedback_questions` its feedback questions."""
    asked = values.pop("questions", None)
    asked_after = values.pop("feedback_questions", None)
    cleaned = _clean(values)
    event = Event(status=EventStatus.draft, sequence=0, created_by_id=getattr(actor, "id", None), **cleaned)
    db.session.add(event)
    db.session.flush()
    event_created.send(event, actor=actor, changes=created(event, AUDIT_FIELDS))
    _replace_questions(event, asked, asked_after, actor)
    return event


def _replace_questions(event: Event, asked: Any, asked_after: Any, actor: User | None) -> None:
    if asked is not None:
        questions.replace_questions(event, asked, actor=actor)
    if asked_after is not None:
        questions.replace_questions(event, asked_after, actor=actor, form=QuestionForm.feedback)


def update_event(event: Event, changes: dict[str, Any], *, actor: User | None = None) -> Event:
    """Change an event. A change of time, place or status bumps `sequence`; a larger capacity or
    quota promotes from the waitlist (see registrations.promote_waitlisted)."""
    _raise(_change_refusal(event))
    asked = changes.pop("questions", None)
    asked_after = changes.pop("feedback_questions", None)
    cleaned = _clean(changes, current=event)
    before = snapshot(event, AUDIT_FIELDS)
    moved = any(getattr(event, name) != cleaned[name] for name in SEQUENCE_FIELDS)
    for name, value in cleaned.items():
        if name == "chapter":
            event.chapter = value
        elif getattr(event, name) != value:
            setattr(event, name, value)
    if moved:
        event.sequence += 1
    event.updated_at = utcnow()
    db.session.flush()

    promote_waitlisted(event, actor=actor)
    _replace_questions(event, asked, asked_after, actor)
    event_updated.send(event, actor=actor, changes=diff(before, event),
                       moved=moved and event.status == EventStatus.published)
    return event


def publish_event(event: Event, *, actor: User | None = None) -> Event:
    if event.status == EventStatus.published:
        return event
    _raise(_publish_refusal(event))
    event.status = EventStatus.published
    event.published_at = event.published_at or utcnow()
    event.sequence += 1
    event.updated_at = utcnow()
    db.session.flush()
    event_published.send(event, actor=actor)
    return event


def cancel_event(event: Event, *, actor: User | None = None) -> Event:
    _raise(_cancel_refusal(event))
    was = event.status.value
    event.status = EventStatus.cancelled
    event.sequence += 1
    event.updated_at = utcnow()
    db.session.flush()
    event_cancelled.send(event, actor=actor, changes={"status": [was, event.status.value]})
    return event


# ---------------------------------------------------------------- visibility
def public_clause() -> ColumnElement[bool]:
    """`is_public` as a SQL condition on Event (lists, feeds, the API)."""
    return or_(Event.status == EventStatus.published,
               and_(Event.status == EventStatus.cancelled, Event.published_at.is_not(None)))


# ---------------------------------------------------------------- queries
def visible_clause(viewer: User | None) -> ColumnElement[bool] | None:
    """`can_view_event` as a SQL condition on Event: public events for everyone, and the drafts
    (cancelled drafts too) of the chapters `viewer` manages (`managed_chapter_ids`). None: no
    condition (staff see every event)."""
    chapters = managed_chapter_ids(viewer)
    if chapters is None:
        return None
    return or_(public_clause(), Event.chapter_id.in_(chapters)) if chapters else public_clause()


def list_events(*, viewer: User | None = None, managed: bool = False, kind: str | None = None,
                chapter: str | None = None, country: str | None = None, mode: str | None = None,
                when: str | None = None, now: datetime | None = None) -> Select[Event]:
    """A select of the events `viewer` may see (`visible_clause`, the rule of `can_view_event`):
    the one list behind the event pages, the API and the feeds. `managed`: only the events of the
    chapters `viewer` manages (the organizer pages).

    `when`: "upcoming" (not yet ended) or "past"."""
    stmt = select(Event).options(selectinload(Event.chapter))
    visible = visible_clause(viewer)
    if visible is not None:
        stmt = stmt.where(visible)
    if managed:
        chapters = managed_chapter_ids(viewer)
        if chapters is not None:
            stmt = stmt.where(Event.chapter_id.in_(chapters))
    if kind:
        stmt = stmt.where(Event.kind == v.choice(kind, EventKind, "kind"))
    if chapter:
        stmt = stmt.where(Event.chapter_id == get_chapter(chapter).id)
    if country:
        code = v.country(country)
        in_chapter = select(ChapterCountry.chapter_id).where(ChapterCountry.country == code)
        stmt = stmt.where(or_(Event.country == code, and_(Event.country.is_(None), Event.chapter_id.in_(in_chapter))))
    if mode == "online":
        stmt = stmt.where(Event.online_url != "")
    elif mode == "in_person":
        stmt = stmt.where(Event.venue != "")
    if when in ("upcoming", "past"):
        # Local end times are compared with UTC now. Zones span UTC-12…UTC+14, so an event
        # that ended less than 14 hours ago may still list as upcoming — acceptable for a
        # listing; rules (deadlines, answers) always use the exact UTC (answers_close_utc).
        current = (now or utcnow()).astimezone(UTC).replace(tzinfo=None)
        if when == "upcoming":
            stmt = stmt.where(Event.ends_at >= current).order_by(Event.starts_at, Event.id)
        else:
            stmt = stmt.where(Event.ends_at < current).order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        stmt = stmt.order_by(Event.starts_at.desc(), Event.id.desc())
    return stmt


def chapters_for_events(actor: User | None) -> list[Chapter]:
    """The chapters `actor` may create events in, by code: every chapter for staff, an
    organizer's own chapter, none for anyone else."""
    stmt = select(Chapter).order_by(Chapter.code)
    chapters = managed_chapter_ids(actor)
    if chapters is not None:
        stmt = stmt.where(Chapter.id.in_(chapters))
    return list(db.session.scalars(stmt))


def find_event_by_slug(slug: str) -> Event | None:
    return db.session.scalar(select(Event).where(Event.slug == slug))
