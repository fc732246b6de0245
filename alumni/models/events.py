"""Events (reunions, forums, webinars) and the registrations (RSVPs) to them.

Times are kept as the organizer means them: LOCAL wall-clock datetimes (naive) plus the IANA
zone. An event at 18:00 in Asia/Kolkata stays at 18:00 local even if the zone's rules change;
UTC is computed when needed (alumni.services.eventbase.to_utc)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from alumni.extensions import Model
from alumni.i18n import _l
from alumni.models.chapters import Chapter
from alumni.models.institutions import Institution
from alumni.models.members import Member
from alumni.models.types import UTCDateTime, str_enum, utcnow


class EventKind(enum.StrEnum):
    reunion = "reunion"
    forum = "forum"
    webinar = "webinar"

    @property
    def label(self) -> str:
        return EVENT_KIND_LABELS[self]


class EventStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return EVENT_STATUS_LABELS[self]


class Response(enum.StrEnum):
    """What a member answered."""

    yes = "yes"
    maybe = "maybe"
    no = "no"


class RegistrationStatus(enum.StrEnum):
    """Where the registration stands: the answer, or waitlisted (a yes with no seat yet), or
    cancelled (withdrawn)."""

    yes = "yes"
    maybe = "maybe"
    no = "no"
    waitlisted = "waitlisted"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return REGISTRATION_STATUS_LABELS[self]


EVENT_KIND_LABELS: dict[EventKind, str] = {EventKind.reunion: _l("Reunion"), EventKind.forum: _l("Forum"), EventKind.webinar: _l("Webinar")}
EVENT_STATUS_LABELS: dict[EventStatus, str] = {EventStatus.draft: _l("Draft"), EventStatus.published: _l("Published"),
                                               EventStatus.cancelled: _l("Cancelled")}
REGISTRATION_STATUS_LABELS: dict[RegistrationStatus, str] = {
    RegistrationStatus.yes: _l("Attending"), RegistrationStatus.maybe: _l("Maybe"),
    RegistrationStatus.no: _l("Not attending"), RegistrationStatus.waitlisted: _l("Waitlisted"),
    RegistrationStatus.cancelled: _l("Withdrawn"),
}


class Event(Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at >= starts_at", name="event_dates_ordered"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="event_capacity_positive"),
        CheckConstraint("offer_hours IS NULL OR offer_hours > 0", name="event_offer_hours_positive"),
        CheckConstraint("feedback_after_hours IS NULL OR feedback_after_hours >= 0",
                        name="event_feedback_after_hours_positive"),
        Index("ix_events_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A stable key for data loaded by scripts (demo load); None for events made by organizers.
    slug: Mapped[str | None] = mapped_column(String(120), unique=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    #: BCP 47 tag of `title` and `description`; other languages are in `translations`.
    language: Mapped[str] = mapped_column(String(16), default="en")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: {"ja": {"title": "…", "description": "…"}, …}
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    #: Local wall-clock time in `timezone` (naive on purpose).
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    timezone: Mapped[str] = mapped_column(String(64))
    #: Whole days (calendars show it as VALUE=DATE from the start day to the end day).
    all_day: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    venue: Mapped[str] = mapped_column(String(300), default="")
    #: Country of the venue (ISO 3166-1 alpha-2); None for online-only events.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    online_url: Mapped[str] = mapped_column(String(500), default="")
    #: Seats in all; None = unlimited.
    capacity: Mapped[int | None]
    #: Seats per side on top of the capacity (a forum's delegation quotas): {"IN": 40, "JP": 40}.
    side_quotas: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: Local time in `timezone`, like starts_at; None = answers until the event ends.
    registration_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=False))
    #: Answers to the registration questions are deleted this many days after the event ends.
    answers_retention_days: Mapped[int] = mapped_column(default=90, server_default="90")
    #: Waitlist offers: a freed seat is offered to the next waitlisted member for this many hours
    #: (alumni.services.registrations.promote_waitlisted); None = promote at once (the default).
    offer_hours: Mapped[int | None]
    #: Feedback (alumni.services.feedback): the request goes to those checked in this many hours
    #: after the end (the scheduler); None = only when an organizer sends it.
    feedback_after_hours: Mapped[int | None]
    #: When the feedback request was last queued (by the scheduler or an organizer).
    feedback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapters.id"), index=True)
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus, "event_status"), default=EventStatus.draft)
    #: iCalendar SEQUENCE: bumped on every change of time, place or status.
    sequence: Mapped[int] = mapped_column(default=0)
    #: When it was first published; None = never public (a draft, or a draft that was cancelled,
    #: which stays as hidden as the draft was).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    chapter: Mapped[Chapter] = relationship()
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_multi_day(self) -> bool:
        return self.ends_at.date() != self.starts_at.date()

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)

    def text_in(self, lang: str | None) -> tuple[str, str]:
        """(title, description) in `lang` where translated, else in the event's own language."""
        other = (self.translations or {}).get(lang or "") or {}
        return other.get("title") or self.title, other.get("description") or self.description

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.title!r} {self.status}>"


class Registration(Model):
    """A member's answer to an event. The member may be gone (account deleted): the row stays,
    anonymised, so that counts stay right."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id", name="one_registration_per_member"),
        UniqueConstraint("event_id", "waitlist_number", name="one_waitlist_place"),
        CheckConstraint("status <> 'waitlisted' OR waitlist_number IS NOT NULL", name="waitlist_numbered"),
        Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    response: Mapped[Response] = mapped_column(str_enum(Response, "rsvp_response"))
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus, "registration_status"))
    #: Arrival order on the waitlist (1, 2, 3 … per event); None when not waitlisted.
    waitlist_number: Mapped[int | None]
    #: For forums: the institution represented and its side (e.g. "IN" / "JP").
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    side: Mapped[str | None] = mapped_column(String(32))
    #: Random, unguessable; the ticket page and the QR code's check-in URL carry it.
    ticket_token: Mapped[str] = mapped_column(String(64), unique=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When a freed seat moved this registration from the waitlist to yes (mail: "you got a seat").
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A waitlisted registration offered a freed seat holds it until then (the offer is open while
    #: the status is waitlisted and this is set); None = no offer.
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the member last sent the feedback form (their answers are Answer rows of this
    #: registration to the event's feedback questions).
    feedback_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    #: The backref makes the ORM set member_id to NULL when a member is deleted, also on SQLite
    #: (which enforces no ON DELETE SET NULL without the foreign_keys pragma).
    member: Mapped[Member | None] = relationship(backref=backref("registrations", order_by="Registration.id"))
    institution: Mapped[Institution | None] = relationship()

    def __repr__(self) -> str:
        return f"<Registration {self.id} event={self.event_id} member={self.member_id} {self.status}>"
