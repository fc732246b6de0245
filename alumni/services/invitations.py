"""Invitations: an organizer invites an audience to an event; each member gets the invitation in
their own language, with a calendar entry, once.

The audience is chosen by the database (chapter → its countries, countries, programmes, cohort
fiscal years, Japanese host institution, returnees), counted per language before sending, and
queued through the outbox with one key per event and member (mail_keys.invitation) — a member is never invited twice
to the same event, however often the organizer sends. Members who unsubscribed are skipped."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from babel.lists import format_list
from flask_babel import get_locale
from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import ColumnElement

from alumni.errors import Conflict, Invalid
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import (
    Chapter,
    ChapterCountry,
    Event,
    EventStatus,
    Institution,
    MailPurpose,
    Member,
    OutgoingMail,
    Participation,
    Programme,
    ReturnVisit,
    User,
)
from alumni.models.types import utcnow
from alumni.rules import months_before
from alumni.services import audit, mail_keys, outbox
from alumni.services import validation as v
from alumni.services.mailmerge import Recipient, recipient_name, render_rows
from alumni.services.names import name_text, programme_name, reader_language
from alumni.services.registrations import lock_event

AUDIENCE_FIELDS = ("chapter", "countries", "programmes", "fiscal_years", "host_institution", "returnees",
                   "unconfirmed_months")
#: "Not confirmed for N months": at most this N (ten years).
MAX_UNCONFIRMED_MONTHS = 120
MAX_VALUES = 300


@dataclass(frozen=True)
class Audience:
    """Who is invited: every criterion given must hold (an empty audience is every member)."""

    chapter: str | None = None
    countries: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    fiscal_years: tuple[int, ...] = ()
    host_institution: int | None = None
    returnees: bool = False
    #: Members whose record was not confirmed for this many months (never confirmed included).
    unconfirmed_months: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"chapter": self.chapter, "countries": list(self.countries), "programmes": list(self.programmes),
                "fiscal_years": list(self.fiscal_years), "host_institution": self.host_institution,
                "returnees": self.returnees, "unconfirmed_months": self.unconfirmed_months}


@dataclass
class AudienceCount:
    by_language: dict[str, int] = field(default_factory=dict)
    unsubscribed: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_language.values())


# ---------------------------------------------------------------- audience
def _list(values: Mapping[str, object], name: str) -> list[object]:
    value = values.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise Invalid(_("%(field)s must be a list.", field=name), field=f"audience.{name}")
    if len(value) > MAX_VALUES:
        raise Invalid(_("%(field)s has too many values.", field=name), field=f"audience.{name}")
    return list(value)


def clean_audience(values: Mapping[str, object] | None) -> Audience:
    """An Audience from API or form values; unknown names and values are refused, naming the field."""
    values = values or {}
    if not isinstance(values, dict):
        raise Invalid(_("The audience must be an object."), field="audience")
    unknown = sorted(set(values) - set(AUDIENCE_FIELDS))
    if unknown:
        raise Invalid(_("Unknown field %(field)s.", field=unknown[0]), field=f"audience.{unknown[0]}")
    countries = tuple(sorted({v.country(c, "audience.countries") for c in _list(values, "countries")}))
    return Audience(chapter=_audience_chapter(values.get("chapter")), countries=countries,
                    programmes=_audience_programmes(values), fiscal_years=_audience_fiscal_years(values),
                    host_institution=_audience_host(values.get("host_institution")),
                    returnees=_audience_returnees(values.get("returnees", False)),
                    unconfirmed_months=_audience_months(values.get("unconfirmed_months")))


def _audience_chapter(value: object) -> str | None:
    """The chapter's code (upper case), which must exist."""
    if not value:
        return None
    if not isinstance(value, str) or db.session.scalar(
            select(Chapter.id).where(Chapter.code == value.strip().upper())) is None:
        raise Invalid(_("There is no chapter %(code)s.", code=value), field="audience.chapter")
    return value.strip().upper()


def _audience_programmes(values: Mapping[str, object]) -> tuple[str, ...]:
    """Programme codes (upper case, sorted, once each), each of which must exist."""
    programmes = tuple(sorted({str(p).strip().upper() for p in _list(values, "programmes")}))
    if programmes:
        known = set(db.session.scalars(select(Programme.code).where(Programme.code.in_(programmes))))
        missing = [p for p in programmes if p not in known]
        if missing:
            raise Invalid(_("There is no programme %(code)s.", code=missing[0]), field="audience.programmes")
    return programmes


def _audience_fiscal_years(values: Mapping[str, object]) -> tuple[int, ...]:
    """Cohorts as fiscal years 1950–2100 (sorted, once each); true/false is not a year."""
    years = []
    for year in _list(values, "fiscal_years"):
        try:
            number = int(str(year).strip())
        except ValueError:
            number = None
        if isinstance(year, bool) or number is None or not 1950 <= number <= 2100:
            raise Invalid(_("%(value)s is not a fiscal year (for example 2019).", value=year),
                          field="audience.fiscal_years")
        years.append(number)
    return tuple(sorted(set(years)))


def _audience_host(value: object) -> int | None:
    """The id of an institution that exists (a number or its digits; true/false is no id)."""
    if value in (None, ""):
        return None
    host: int | None
    try:
        host = int(value) if isinstance(value, int | float | str) else None
    except (ValueError, OverflowError):  # OverflowError: int(float('inf'))
        host = None
    if host is None or isinstance(value, bool) or not 1 <= host < 2**31 \
            or db.session.get(Institution, host) is None:
        raise Invalid(_("There is no institution %(id)s.", id=value), field="audience.host_institution")
    return host


def _audience_returnees(value: object) -> bool:
    """true/false, or a form's spelling of it (1/0, yes/no, on/off); empty is false."""
    if value in ("", None):
        return False
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
        return value.lower() in ("true", "1", "yes", "on")
    if not isinstance(value, bool):
        raise Invalid(_("returnees must be true or false."), field="audience.returnees")
    return value


def _audience_months(value: object) -> int | None:
    """A number of months, 1–MAX_UNCONFIRMED_MONTHS (or its digits); empty is none."""
    if value in (None, ""):
        return None
    try:
        months = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    except ValueError:
        months = None
    if months is None or not 1 <= months <= MAX_UNCONFIRMED_MONTHS:
        raise Invalid(_("Give a number of months from 1 to %(max)s.", max=MAX_UNCONFIRMED_MONTHS),
                      field="audience.unconfirmed_months")
    return months


def audience_filter(audience: Audience, *, now: datetime | None = None) -> list[ColumnElement[bool]]:
    """SQL conditions on Member selecting the audience (evaluated by the database)."""
    conditions: list[ColumnElement[bool]] = []
    if audience.chapter:
        conditions.append(Member.country.in_(
            select(ChapterCountry.country).join(Chapter, Chapter.id == ChapterCountry.chapter_id)
            .where(Chapter.code == audience.chapter)))
    if audience.countries:
        conditions.append(Member.country.in_(audience.countries))
    if audience.programmes:
        conditions.append(exists().where(Participation.member_id == Member.id,
                                         Participation.programme_code.in_(audience.programmes)))
    if audience.fiscal_years:
        conditions.append(Member.cohort.in_(audience.fiscal_years))
    if audience.host_institution:
        conditions.append(exists().where(Participation.member_id == Member.id,
                                         Participation.host_institution_id == audience.host_institution))
    if audience.returnees:
        conditions.append(exists().where(ReturnVisit.member_id == Member.id))
    if audience.unconfirmed_months:
        cutoff = months_before(now or utcnow(), audience.unconfirmed_months)
        conditions.append(or_(Member.confirmed_at.is_(None), Member.confirmed_at < cutoff))
    return conditions


def count_audience(audience: Audience) -> AudienceCount:
    """How many members will receive the invitation, per language, and how many are skipped
    because they unsubscribed."""
    rows = db.session.execute(
        select(Member.preferred_language, Member.invitations_unsubscribed_at.is_(None), func.count(Member.id))
        .where(*audience_filter(audience))
        .group_by(Member.preferred_language, Member.invitations_unsubscribed_at.is_(None))).all()
    count = AudienceCount()
    for language, subscribed, n in rows:
        if subscribed:
            count.by_language[language] = count.by_language.get(language, 0) + n
        else:
            count.unsubscribed += n
    count.by_language = dict(sorted(count.by_language.items(), key=lambda item: (-item[1], item[0])))
    return count


def _country_names(codes: Iterable[str]) -> str:
    """Countries by their names in the current language (Babel), in a list."""
    locale = get_locale()
    names = [(locale.territories.get(c) if locale is not None else None) or c for c in codes]
    return format_list(names, locale=locale or "en") if names else ""


def _names(values: Iterable[object]) -> str:
    return format_list([str(v) for v in values], locale=get_locale() or "en")


def _count(conditions: list[ColumnElement[bool]]) -> int:
    return db.session.scalar(select(func.count(Member.id)).where(*conditions)) or 0


def empty_reason(audience: Audience, count: AudienceCount | None = None) -> str | None:
    """Why the audience has nobody to invite, in words (None when it has someone). The criteria
    are applied one by one, in the form's order; the first that leaves nobody is named."""
    count = count if count is not None else count_audience(audience)
    if count.total:
        return None
    if count.unsubscribed:
        return _("All %(n)s members of this audience unsubscribed from invitations.", n=count.unsubscribed)
    if _count([]) == 0:
        return _("There are no members yet.")
    chapter = db.session.scalar(select(Chapter).where(Chapter.code == audience.chapter)) if audience.chapter else None
    chapter_name = name_text(chapter, reader_language(get_locale()))
    if chapter is not None:
        if not chapter.countries:
            return _("%(chapter)s covers no country yet.", chapter=chapter_name)
        if audience.countries and not set(audience.countries) & set(chapter.countries):
            return _("No member of %(chapter)s lives in %(countries)s: the chapter covers %(covered)s.",
                     chapter=chapter_name, countries=_country_names(audience.countries),
                     covered=_country_names(chapter.countries))
    steps = audience_filter(audience)
    applied: list[ColumnElement[bool]] = []
    names = [name for name in AUDIENCE_FIELDS if getattr(audience, name)]
    for name, condition in zip(names, steps, strict=True):
        applied.append(condition)
        if not _count(applied):
            return _step_reason(name, audience, chapter, first=len(applied) == 1)
    return None


def _step_reason(name: str, audience: Audience, chapter: Chapter | None, *, first: bool) -> str:
    """Why criterion `name` of the audience left nobody (`first`: it was the first applied)."""
    language = reader_language(get_locale())
    if name == "chapter" and chapter is not None:
        return _("No member lives in the countries of %(chapter)s (%(covered)s).",
                 chapter=name_text(chapter, language), covered=_country_names(chapter.countries))
    if name == "countries":
        if chapter is not None:
            return _("No member of %(chapter)s lives in %(countries)s.", chapter=name_text(chapter, language),
                     countries=_country_names(audience.countries))
        return _("No member lives in %(countries)s.", countries=_country_names(audience.countries))
    if name == "programmes":
        programmes = _names(programme_name(code) for code in audience.programmes)
        return (_("No member took part in %(programmes)s.", programmes=programmes) if first else
                _("None of the members chosen so far took part in %(programmes)s.", programmes=programmes))
    if name == "fiscal_years":
        years = _names(audience.fiscal_years)
        return (_("No member belongs to the cohort of %(years)s.", years=years) if first else
                _("None of the members chosen so far belongs to the cohort of %(years)s.", years=years))
    if name == "host_institution":
        institution = db.session.get(Institution, audience.host_institution)
        label = name_text(institution, language) if institution is not None else str(audience.host_institution)
        return (_("No member was hosted by %(institution)s.", institution=label) if first else
                _("None of the members chosen so far was hosted by %(institution)s.", institution=label))
    if name == "unconfirmed_months":
        months = audience.unconfirmed_months
        return (_("Every member confirmed their record within the last %(n)s months.", n=months) if first else
                _("Every member chosen so far confirmed their record within the last %(n)s months.", n=months))
    return (_("No member has recorded a return to Japan.") if first else
            _("None of the members chosen so far has recorded a return to Japan."))


# ---------------------------------------------------------------- sending
def event_mailings(event: Event) -> list[str]:
    """Every mailing about `event` (invitations, updates, reminders, …), oldest first."""
    return list(db.session.scalars(
        select(OutgoingMail.mailing).where(OutgoingMail.event_id == event.id, OutgoingMail.mailing != "")
        .group_by(OutgoingMail.mailing).order_by(func.min(OutgoingMail.id))))


def _invitation_refusal(event: Event) -> Conflict | None:
    """Why nobody can be invited to `event` now (None: they can)."""
    if event.status == EventStatus.draft:
        return Conflict(_("Publish the event before inviting anyone."), field="status")
    if event.status == EventStatus.cancelled:
        return Conflict(_("This event is cancelled; nobody can be invited."), field="status")
    return None


def is_invitable(event: Event) -> bool:
    """Whether invitations to `event` are taken now: what the Invite button asks."""
    return _invitation_refusal(event) is None


def _check_invitable(event: Event) -> None:
    refusal = _invitation_refusal(event)
    if refusal is not None:
        raise refusal


def _already_invited(event: Event) -> set[int]:
    return set(db.session.scalars(select(OutgoingMail.member_id).where(
        OutgoingMail.event_id == event.id, OutgoingMail.purpose == MailPurpose.invitation,
        OutgoingMail.member_id.is_not(None))))


def queue_invitations(event: Event, audience: Audience, *, actor: User | None = None,
                      now: datetime | None = None) -> tuple[int, int]:
    """Queue the invitation for every member of the audience; answers (queued, skipped) —
    skipped: unsubscribed members, members invited before, held addresses."""
    # Two organizers sending at once: the second waits here, then sees the first one's keys.
    event = lock_event(event)
    _check_invitable(event)
    members = db.session.execute(
        select(Member.id, Member.email, Member.preferred_language, Member.given_name, Member.family_name,
               Member.native_name, Member.family_name_first, Member.invitations_unsubscribed_at)
        .where(*audience_filter(audience)).order_by(Member.id)).all()
    invited = _already_invited(event)
    recipients = []
    skipped = 0
    for member_id, email, language, given, family, native, family_first, unsubscribed_at in members:
        if unsubscribed_at is not None or member_id in invited:
            skipped += 1
            continue
        recipients.append(Recipient(member_id, email, language or "en",
                                    recipient_name(given, family, native, family_first)))
    rows = render_rows("invitation", event, recipients, dedup=lambda r: mail_keys.invitation(event.id, r.member_id),
                       mailing=mail_keys.invitation_mailing(event.id), stamp=now)
    queued, held = outbox.queue_many(rows)
    audit.record(actor, "invitations.sent", event=event,
                 changes={"queued": [0, queued], "skipped": [0, skipped + held],
                          "audience": [None, audit.plain(audience.as_dict())]})
    return queued, skipped + held


def preview_invitation(event: Event, language: str, member: Member | None = None) -> outbox.OutboxRow:
    """The invitation as a member reading `language` will get it (a sample reader, greeted in
    that language, if none)."""
    sample = Recipient(member.id if member else 0, member.email if member else "member@example.org", language,
                       member.display_name if member else "")
    [row] = render_rows("invitation", event, [sample], dedup=lambda r: mail_keys.PREVIEW, mailing=mail_keys.PREVIEW)
    return row


def unsubscribe(member: Member, *, now: datetime | None = None, actor: User | None = None) -> None:
    """The member wants no more invitations (from the one-click link or their settings):
    invitations to them not yet sent are withdrawn too."""
    if member.invitations_unsubscribed_at is None:
        member.invitations_unsubscribed_at = now or utcnow()
        withdraw_unsent_to(member.id, purposes=(MailPurpose.invitation, MailPurpose.update_round))
        db.session.flush()
        # No actor: the member's own link (signed for them) or their settings.
        audit.record(actor or audit.own_account(member), "invitations.unsubscribed", member=member,
                     changes={"invitations": [True, False]})


def withdraw_unsent_to(member_id: int, purposes: tuple[MailPurpose, ...] | None = None) -> int:
    """Take mail to a member that is still waiting in the outbox out of it (all of it when the
    member is deleted; their invitations when they unsubscribe)."""
    stmt = delete(OutgoingMail).where(OutgoingMail.member_id == member_id, *outbox.unclaimed_queued())
    if purposes:
        stmt = stmt.where(OutgoingMail.purpose.in_(purposes))
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount  # a DELETE answers a CursorResult


def resubscribe(member: Member, *, actor: User | None = None) -> None:
    was = member.invitations_unsubscribed_at
    member.invitations_unsubscribed_at = None
    db.session.flush()
    if was is not None:
        audit.record(actor or audit.own_account(member), "invitations.resubscribed", member=member,
                     changes={"invitations": [False, True]})
