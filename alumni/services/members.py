"""Members and their records: profile, participations, careers, returns to Japan.

Each record has one `_clean_*` function that validates a whole set of values; creating and
updating both go through it, so the API, the pages, the import and the CLI share the rules.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Select, delete, select

from alumni.errors import Conflict, Invalid, NotFound
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import (
    CareerEntry,
    CareerRole,
    Direction,
    Member,
    OrcidLink,
    Participation,
    Programme,
    ReturnPurpose,
    ReturnVisit,
    User,
    Visibility,
)
from alumni.services import audit, questions
from alumni.services import validation as v
from alumni.services.institutions import get_institution
from alumni.services.outbox import forget_member
from alumni.services.search import member_search_key

MEMBER_FIELDS = (
    "email", "given_name", "family_name", "native_name", "family_name_first", "country",
    "preferred_language", "timezone", "field", "visibility",
)
PARTICIPATION_FIELDS = (
    "programme", "fiscal_year", "direction", "start_date", "end_date",
    "host_institution_id", "sending_institution_id",
)
CAREER_FIELDS = ("organisation", "institution_id", "country", "role", "title", "start_date", "end_date")
RETURN_FIELDS = ("purpose", "institution_id", "start_date", "end_date")


def _reject_unknown(values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise Invalid(_("Unknown field: %(field)s.", field=unknown[0]), field=unknown[0])


# --- members -------------------------------------------------------------------------------


def _clean_member(values: dict[str, Any], *, country_required: bool = True) -> dict[str, Any]:
    cleaned: dict[str, Any] = {
        "email": v.email(values.get("email")),
        "given_name": v.text(values.get("given_name"), "given_name", required=True),
        "family_name": v.text(values.get("family_name"), "family_name"),
        "native_name": v.text(values.get("native_name"), "native_name", max_length=300),
        "family_name_first": bool(values.get("family_name_first") or False),
        "country": v.country(values.get("country"), required=country_required),
        "preferred_language": v.language(values.get("preferred_language") or "en"),
        "timezone": v.timezone_name(values.get("timezone") or "UTC"),
        "field": v.text(values.get("field"), "field"),
        "visibility": v.choice(values.get("visibility") or Visibility.members.value, Visibility, "visibility"),
    }
    cleaned["search_key"] = member_search_key(cleaned["given_name"], cleaned["family_name"], cleaned["native_name"])
    return cleaned


def _ensure_email_free(email: str, member_id: int | None = None) -> None:
    stmt = select(Member.id).where(Member.email == email)
    if member_id is not None:
        stmt = stmt.where(Member.id != member_id)
    if db.session.scalar(stmt) is not None:
        raise Conflict(_("A member with the email %(email)s already exists.", email=email), field="email")


def ensure_email_free(email: str, member_id: int | None = None) -> None:
    """No other record, and no account but this record's own, uses `email` (checked before a
    record's address changes: the unique keys are the last guard, never the answer)."""
    _ensure_email_free(email, member_id)
    owner = db.session.execute(select(User.id, User.member_id).where(User.email == email)).first()
    if owner is not None and (member_id is None or owner.member_id != member_id):
        raise Conflict(_("An account with the email %(email)s already exists.", email=email), field="email")


def get_member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("There is no member %(id)s.", id=member_id))
    return member


def find_member_by_email(email: str) -> Member | None:
    # Stored addresses are all normalised; one that is no address is looked up as typed.
    key = v.email_key(email) or (email or "").strip().lower()
    return db.session.scalar(select(Member).where(Member.email == key))


def create_member(values: dict[str, Any], *, actor: User | None = None, country_required: bool = True) -> Member:
    _reject_unknown(values, MEMBER_FIELDS)
    cleaned = _clean_member(values, country_required=country_required)
    _ensure_email_free(cleaned["email"])
    member = Member(**cleaned)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "member.created", member=member, changes=audit.created(member, MEMBER_FIELDS))
    return member


def update_member(member: Member, changes: dict[str, Any], *, actor: User | None = None) -> Member:
    _reject_unknown(changes, MEMBER_FIELDS)
    current = {f: getattr(member, f) for f in MEMBER_FIELDS}
    before = audit.snapshot(member, MEMBER_FIELDS)
    # A member created without a country (an account made before the profile) may stay so
    # until they fill it in; once set, it cannot be emptied.
    cleaned = _clean_member({**current, **changes}, country_required=member.country is not None)
    moved = cleaned["email"] != member.email
    if moved:
        # Applied at once only for staff and operators; a member's own change waits for the new
        # address to confirm (services.membership.update_profile → services.email_change).
        ensure_email_free(cleaned["email"], member.id)
    for key, value in cleaned.items():
        setattr(member, key, value)
    if moved:
        member.pending_email = None
        account = db.session.scalar(select(User).where(User.member_id == member.id))
        if account is not None:
            account.email = cleaned["email"]  # the record and its account keep one address
    db.session.flush()
    changed = audit.diff(before, member)
    if changed:
        audit.record(actor, "member.updated", member=member, changes=changed)
    return member


def delete_member(member: Member, *, actor: User | None = None) -> None:
    # Nothing more goes to a deleted member, and what went keeps no address, name or text.
    forget_member(member.id, member.email)
    member_id = member.id
    audit.forget_member(member_id)
    questions.forget_member_answers(member_id)
    # Explicit: SQLite enforces no ON DELETE CASCADE, and the ORCID token must not outlive the record.
    db.session.execute(delete(OrcidLink).where(OrcidLink.member_id == member_id))
    db.session.delete(member)
    db.session.flush()
    # Their own entries go with the record (ON DELETE CASCADE); this one keeps only the id.
    audit.record(actor, "member.deleted", subject=member, changes={"id": [member_id, None]})


def list_members(*, visible_only: bool = False, country: str | None = None) -> Select[Member]:
    stmt = select(Member).order_by(Member.id)
    if visible_only:
        stmt = stmt.where(Member.visibility != Visibility.hidden)
    if country:
        stmt = stmt.where(Member.country == v.country(country))
    return stmt


# --- participations ------------------------------------------------------------------------


def _clean_participation(values: dict[str, Any], *,
                         programmes: Mapping[str, Programme] | None = None) -> dict[str, Any]:
    """The participation's columns; `programmes` (by code) spares a bulk caller a query per row."""
    code = v.text(values.get("programme"), "programme", required=True, max_length=16)
    programme = programmes.get(code) if programmes is not None else db.session.get(Programme, code)
    if programme is None:
        codes = ", ".join(db.session.scalars(select(Programme.code).order_by(Programme.sort_order)))
        raise Invalid(_("%(value)s is not a programme code; use one of %(codes)s.", value=code, codes=codes),
                      field="programme")
    direction = v.choice(values.get("direction") or Direction.inbound.value, Direction, "direction")
    if direction == Direction.outbound and not programme.both_directions:
        raise Invalid(_("%(code)s invites people to Japan only; it has no outbound participations.",
                        code=code), field="direction")
    start = v.parse_date(values.get("start_date"), "start_date")
    end = v.parse_date(values.get("end_date"), "end_date")
    v.dates_ordered(start, end)
    return {
        "programme_code": code,
        "fiscal_year": v.fiscal_year_matches(values.get("fiscal_year"), start),
        "direction": direction,
        "start_date": start,
        "end_date": end,
        "host_institution_id": _institution_id(values.get("host_institution_id"), "host_institution_id"),
        "sending_institution_id": _institution_id(values.get("sending_institution_id"), "sending_institution_id"),
    }


def _institution_id(value: int | None, field: str) -> int | None:
    institution = get_institution(value, field) if value is not None else None
    return institution.id if institution else None


def _participation_values(p: Participation) -> dict[str, Any]:
    return {
        "programme": p.programme_code, "fiscal_year": p.fiscal_year, "direction": p.direction.value,
        "start_date": p.start_date, "end_date": p.end_date,
        "host_institution_id": p.host_institution_id, "sending_institution_id": p.sending_institution_id,
    }


def _ensure_participation_unique(member: Member, cleaned: dict[str, Any], own_id: int | None = None) -> None:
    for other in member.participations:
        if other.id != own_id and other.programme_code == cleaned["programme_code"] \
                and other.start_date == cleaned["start_date"]:
            raise Conflict(_("This member already has a %(code)s participation starting on %(start)s.",
                             code=cleaned["programme_code"], start=cleaned["start_date"]), field="start_date")


def add_participation(member: Member, values: dict[str, Any], *, actor: User | None = None) -> Participation:
    _reject_unknown(values, PARTICIPATION_FIELDS)
    cleaned = _clean_participation(values)
    _ensure_participation_unique(member, cleaned)
    participation = Participation(member=member, **cleaned)
    db.session.add(participation)
    db.session.flush()
    _record_added(actor, "participation", participation)
    return participation


def update_participation(participation: Participation, changes: dict[str, Any], *, actor: User | None = None) -> Participation:
    _reject_unknown(changes, PARTICIPATION_FIELDS)
    merged = {**_participation_values(participation), **changes}
    if "start_date" in changes and "fiscal_year" not in changes:
        merged["fiscal_year"] = None  # follows the new start date
    cleaned = _clean_participation(merged)
    _ensure_participation_unique(participation.member, cleaned, participation.id)
    before = audit.snapshot(participation, cleaned)
    for key, value in cleaned.items():
        setattr(participation, key, value)
    db.session.flush()
    _record_changed(actor, "participation", participation, before)
    return participation


# --- careers -------------------------------------------------------------------------------


def _clean_career(values: dict[str, Any]) -> dict[str, Any]:
    start = v.parse_date(values.get("start_date"), "start_date")
    end = v.parse_date(values.get("end_date"), "end_date", required=False)
    v.dates_ordered(start, end)
    return {
        "organisation": v.text(values.get("organisation"), "organisation", required=True, max_length=300),
        "institution_id": _institution_id(values.get("institution_id"), "institution_id"),
        "country": v.country(values.get("country")),
        "role": v.choice(values.get("role"), CareerRole, "role"),
        "title": v.text(values.get("title"), "title"),
        "start_date": start,
        "end_date": end,
    }


def _career_values(c: CareerEntry) -> dict[str, Any]:
    return {
        "organisation": c.organisation, "institution_id": c.institution_id, "country": c.country,
        "role": c.role.value, "title": c.title, "start_date": c.start_date, "end_date": c.end_date,
    }


def add_career(member: Member, values: dict[str, Any], *, actor: User | None = None) -> CareerEntry:
    _reject_unknown(values, CAREER_FIELDS)
    career = CareerEntry(member=member, **_clean_career(values))
    db.session.add(career)
    db.session.flush()
    _record_added(actor, "career", career)
    return career


def update_career(career: CareerEntry, changes: dict[str, Any], *, actor: User | None = None) -> CareerEntry:
    _reject_unknown(changes, CAREER_FIELDS)
    before = audit.snapshot(career, CAREER_FIELDS)
    for key, value in _clean_career({**_career_values(career), **changes}).items():
        setattr(career, key, value)
    db.session.flush()
    _record_changed(actor, "career", career, before)
    return career


# --- return visits -------------------------------------------------------------------------


def _clean_return(values: dict[str, Any]) -> dict[str, Any]:
    start = v.parse_date(values.get("start_date"), "start_date")
    end = v.parse_date(values.get("end_date"), "end_date", required=False)
    v.dates_ordered(start, end)
    return {
        "purpose": v.choice(values.get("purpose"), ReturnPurpose, "purpose"),
        "institution_id": _institution_id(values.get("institution_id"), "institution_id"),
        "start_date": start,
        "end_date": end,
    }


def _return_values(r: ReturnVisit) -> dict[str, Any]:
    return {"purpose": r.purpose.value, "institution_id": r.institution_id,
            "start_date": r.start_date, "end_date": r.end_date}


def add_return(member: Member, values: dict[str, Any], *, actor: User | None = None) -> ReturnVisit:
    _reject_unknown(values, RETURN_FIELDS)
    visit = ReturnVisit(member=member, **_clean_return(values))
    db.session.add(visit)
    db.session.flush()
    _record_added(actor, "return", visit)
    return visit


def update_return(visit: ReturnVisit, changes: dict[str, Any], *, actor: User | None = None) -> ReturnVisit:
    _reject_unknown(changes, RETURN_FIELDS)
    before = audit.snapshot(visit, RETURN_FIELDS)
    for key, value in _clean_return({**_return_values(visit), **changes}).items():
        setattr(visit, key, value)
    db.session.flush()
    _record_changed(actor, "return", visit, before)
    return visit


# --- shared --------------------------------------------------------------------------------

RECORD_MODELS = {"participations": Participation, "careers": CareerEntry, "returns": ReturnVisit}


def get_record(member: Member, kind: str, record_id: int) -> Participation | CareerEntry | ReturnVisit:
    """A participation, career entry or return visit of this member (404 for anyone else's)."""
    # mypy joins the three classes to their common base, which has no member_id.
    record = cast("Participation | CareerEntry | ReturnVisit | None", db.session.get(RECORD_MODELS[kind], record_id))
    if record is None or record.member_id != member.id:
        raise NotFound(_("There is no such record for this member."))
    return record


def delete_record(record: Participation | CareerEntry | ReturnVisit, *, actor: User | None = None) -> None:
    kind = {Participation: "participation", CareerEntry: "career", ReturnVisit: "return"}[type(record)]
    fields = {"participation": _AUDIT_PARTICIPATION, "career": CAREER_FIELDS, "return": RETURN_FIELDS}[kind]
    gone = {f: [v, None] for f, v in audit.snapshot(record, fields).items() if v is not None}
    member_id = record.member_id
    db.session.delete(record)
    db.session.flush()
    audit.record(actor, f"{kind}.deleted", member=member_id, subject=record, changes=gone)


#: A participation's stored fields (the API's names differ: programme is programme_code).
_AUDIT_PARTICIPATION = ("programme_code", "fiscal_year", "direction", "start_date", "end_date",
                        "host_institution_id", "sending_institution_id")


def _record_added(actor: User | None, kind: str, record: Participation | CareerEntry | ReturnVisit) -> None:
    fields = {"participation": _AUDIT_PARTICIPATION, "career": CAREER_FIELDS, "return": RETURN_FIELDS}[kind]
    audit.record(actor, f"{kind}.added", member=record.member_id, subject=record,
                 changes=audit.created(record, fields))


def _record_changed(actor: User | None, kind: str, record: Participation | CareerEntry | ReturnVisit,
                    before: dict[str, Any]) -> None:
    changed = audit.diff(before, record)
    if changed:
        audit.record(actor, f"{kind}.updated", member=record.member_id, subject=record, changes=changed)
