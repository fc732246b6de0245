"""A member (an alumnus) and what they did: participations, careers, returns to Japan."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni.extensions import Model
from alumni.i18n import _l
from alumni.models.institutions import Institution
from alumni.models.types import UTCDateTime, str_enum, utcnow


class Visibility(enum.StrEnum):
    hidden = "hidden"
    #: Seen by logged-in alumni only.
    members = "members"
    #: Name, country and programme seen by anyone.
    public = "public"


class Direction(enum.StrEnum):
    #: Invited to Japan.
    inbound = "inbound"
    #: A Japanese participant sent abroad.
    outbound = "outbound"


class CareerRole(enum.StrEnum):
    student = "student"
    researcher = "researcher"
    faculty = "faculty"
    engineer = "engineer"
    entrepreneur = "entrepreneur"
    government = "government"
    other = "other"


class ReturnPurpose(enum.StrEnum):
    study = "study"
    research = "research"
    employment = "employment"
    conference = "conference"
    exchange = "exchange"
    other = "other"


VISIBILITY_LABELS = {
    Visibility.hidden: _l("Hidden"),
    Visibility.members: _l("Alumni only"),
    Visibility.public: _l("Public"),
}
DIRECTION_LABELS = {
    Direction.inbound: _l("Invited to Japan"),
    Direction.outbound: _l("Sent abroad from Japan"),
}
CAREER_ROLE_LABELS = {
    CareerRole.student: _l("Student"),
    CareerRole.researcher: _l("Researcher"),
    CareerRole.faculty: _l("Faculty"),
    CareerRole.engineer: _l("Engineer"),
    CareerRole.entrepreneur: _l("Entrepreneur"),
    CareerRole.government: _l("Government"),
    CareerRole.other: _l("Other"),
}
RETURN_PURPOSE_LABELS = {
    ReturnPurpose.study: _l("Study"),
    ReturnPurpose.research: _l("Research"),
    ReturnPurpose.employment: _l("Employment"),
    ReturnPurpose.conference: _l("Conference"),
    ReturnPurpose.exchange: _l("Exchange"),
    ReturnPurpose.other: _l("Other"),
}


class Member(Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased; the key that links imports, accounts and mail.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: A new address the member asked for; it replaces `email` once it confirms a mailed link
    #: (services/email_change.py). Not unique: asking for an address reserves nothing.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200), default="")
    #: The name as its owner writes it in their own script (e.g. 佐藤 花子, प्रिया शर्मा).
    native_name: Mapped[str] = mapped_column(String(300), default="")
    #: Show the family name first (Japanese, Chinese, Hungarian order).
    family_name_first: Mapped[bool] = mapped_column(default=False)
    #: Every name folded for search: NFKC, case-folded, accents removed.
    search_key: Mapped[str] = mapped_column(Text, default="")
    #: Country of origin (ISO 3166-1 alpha-2); None only until a new account fills its profile.
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    preferred_language: Mapped[str] = mapped_column(String(16), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    field: Mapped[str] = mapped_column(String(200), default="")
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "visibility"), default=Visibility.members
    )
    #: Secret of the member's private calendar feed (/calendar/member/<token>.ics); reset = new one.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Reminder in the private feed, minutes before each event; None = no reminder.
    calendar_alarm_minutes: Mapped[int | None] = mapped_column(default=24 * 60)
    #: Set when the member unsubscribed from invitations (one-click link in every mail); None = subscribed.
    invitations_unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The member's first inbound participation (earliest start, then lowest id), kept here by
    #: services.cohorts after every change of participations: its fiscal year is the cohort.
    #: None for members never invited to Japan. Reports, directory and audiences read these.
    cohort: Mapped[int | None] = mapped_column(index=True)
    cohort_programme: Mapped[str | None] = mapped_column(String(16))
    first_inbound_start: Mapped[date | None] = mapped_column(Date)
    first_inbound_end: Mapped[date | None] = mapped_column(Date)
    #: When the member last confirmed their record is true: an answer through an update round's
    #: link, or saving their own profile. None: never. Reports state their coverage from it.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    participations: Mapped[list[Participation]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="Participation.start_date"
    )
    careers: Mapped[list[CareerEntry]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="CareerEntry.start_date"
    )
    returns: Mapped[list[ReturnVisit]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="ReturnVisit.start_date"
    )

    @property
    def latin_name(self) -> str:
        return latin_name_of(self.given_name, self.family_name, self.family_name_first)

    @property
    def display_name(self) -> str:
        """The native name where there is one, with the Latin one beside it (`display_name_of`)."""
        return display_name_of(self.given_name, self.family_name, self.native_name, self.family_name_first)

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"


def latin_name_of(given: str | None, family: str | None, family_first: bool | None) -> str:
    """The Latin name in the member's order ("Sato Hanako" when the family name comes first)."""
    parts = [family, given] if family_first else [given, family]
    return " ".join(p for p in parts if p)


def display_name_of(given: str | None, family: str | None, native: str | None, family_first: bool | None) -> str:
    """How a member is named to people (pages, mail): the native name where there is one, with the
    Latin one beside it — "佐藤 花子 (Sato Hanako)". `Member.display_name`, on plain columns (mail
    merges read columns, not members)."""
    latin = latin_name_of(given, family, family_first)
    if native and native != latin:
        return f"{native} ({latin})" if latin else native
    return latin


class Participation(Model):
    """A member took part in a programme."""

    __tablename__ = "participations"
    __table_args__ = (
        UniqueConstraint("member_id", "programme_code", "start_date"),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        Index("ix_participations_fy_direction", "fiscal_year", "direction"),
        #: A member's first inbound participation (cohorts, returnee report).
        Index("ix_participations_direction_member_start", "direction", "member_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    programme_code: Mapped[str] = mapped_column(ForeignKey("programmes.code"), index=True)
    #: Japanese fiscal year (April → March) of the start date.
    fiscal_year: Mapped[int]
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "direction"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    host_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    sending_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)

    member: Mapped[Member] = relationship(back_populates="participations")
    host_institution: Mapped[Institution | None] = relationship(foreign_keys=[host_institution_id])
    sending_institution: Mapped[Institution | None] = relationship(foreign_keys=[sending_institution_id])

    @property
    def programme(self) -> str:
        return self.programme_code

    def __repr__(self) -> str:
        return f"<Participation {self.id} {self.programme_code} FY{self.fiscal_year}>"


class CareerEntry(Model):
    __tablename__ = "career_entries"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        Index("ix_career_entries_country_role", "country", "role"),
        #: A member's earliest career entry after a date (returnee report).
        Index("ix_career_entries_member_start", "member_id", "start_date"),
        #: Current positions by country (the overview's "where alumni work now").
        Index("ix_career_entries_current", "end_date", "country", "member_id"),
        #: An ORCID affiliation is imported once per member (services/orcid.py).
        UniqueConstraint("member_id", "orcid_put_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    organisation: Mapped[str] = mapped_column(String(300))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    role: Mapped[CareerRole] = mapped_column(str_enum(CareerRole, "career_role"))
    title: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date)
    #: None while the position is current.
    end_date: Mapped[date | None] = mapped_column(Date)
    #: The `put-code` of the ORCID employment or education this entry was imported from (both
    #: kinds share one numbering in an ORCID record); None for entries typed in here.
    orcid_put_code: Mapped[int | None] = mapped_column()

    member: Mapped[Member] = relationship(back_populates="careers")
    institution: Mapped[Institution | None] = relationship()

    def __repr__(self) -> str:
        return f"<CareerEntry {self.id} {self.role} {self.country}>"


class ReturnVisit(Model):
    """A member came back to Japan after a participation."""

    __tablename__ = "return_visits"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        Index("ix_return_visits_purpose_start", "purpose", "start_date"),
        #: A member's earliest return after a date (returnee report).
        Index("ix_return_visits_member_start", "member_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[ReturnPurpose] = mapped_column(str_enum(ReturnPurpose, "return_purpose"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    member: Mapped[Member] = relationship(back_populates="returns")
    institution: Mapped[Institution | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReturnVisit {self.id} {self.purpose}>"


#: The directory lists members in name order; this index serves that order and its pages.
Index("ix_members_name_order", Member.family_name, Member.given_name, Member.id)
#: What a viewer may see, by country: the directory's country menu and the public counts of the
#: home page read only this index.
Index("ix_members_visibility_country", Member.visibility, Member.country)
