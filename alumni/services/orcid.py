"""A member's ORCID iD: link it (OAuth, scope /authenticate), import their employments and
educations as career entries after they reviewed each, unlink it.

Decisions:
- Employments become career entries with the role the member picks on the review page (a guess
  from the role title is pre-selected). Educations become career entries with role `student`:
  CareerRole has no "education", and `student` is what the returnee report reads as "came back
  as a student" — a degree at a Japanese university is exactly that.
- Organisations are matched to our institutions by ROR id first, then by name (trimmed,
  case-insensitive, the translated names in `names` too) in the organisation's country.
- Each imported entry keeps the affiliation's put-code (CareerEntry.orcid_put_code): a later
  import offers only put-codes the member has not imported. An imported entry the member deleted
  later is offered again (its put-code went with it).
- The saved entries go through members.add_career, so the audit log has each one; the token is
  never written to the log, shown, or served by the API.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from alumni.errors import Conflict, Invalid, NotFound, ServiceError
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import CareerEntry, CareerRole, Institution, InstitutionKind, Member, OrcidLink, User
from alumni.services import audit, orcid_api
from alumni.services import members as member_service
from alumni.services.institutions import name_key
from alumni.services.orcid_api import Affiliation

#: Words of a role title that say which role it is (English and Japanese; first match wins).
ROLE_WORDS: tuple[tuple[CareerRole, tuple[str, ...]], ...] = (
    (CareerRole.student, ("student", "phd candidate", "doctoral candidate", "学生", "院生")),
    (CareerRole.faculty, ("professor", "lecturer", "faculty", "dean", "教授", "講師", "助教")),
    (CareerRole.researcher, ("research", "postdoc", "scientist", "fellow", "研究")),
    (CareerRole.engineer, ("engineer", "developer", "技術", "エンジニア")),
    (CareerRole.entrepreneur, ("founder", "ceo", "owner", "起業", "代表取締役")),
)


@dataclass(frozen=True)
class Candidate:
    """One affiliation found on ORCID, as the review page shows it."""
    affiliation: Affiliation
    institution: Institution | None
    role: CareerRole
    #: "new" (offered, pre-checked), "imported" (already in the record), "unusable" (see reason).
    status: str
    reason: str = ""
    #: The career entry imported from it before (status "imported").
    existing: CareerEntry | None = None

    @property
    def title(self) -> str:
        return career_title(self.affiliation)


def link_of(member: Member) -> OrcidLink | None:
    return db.session.scalar(select(OrcidLink).where(OrcidLink.member_id == member.id))


def orcid_url(link: OrcidLink) -> str:
    """The iD as ORCID's display guidelines ask: the full https URL."""
    return orcid_api.display_url(link.orcid)


def orcid_urls(member_ids: Sequence[int]) -> dict[int, str]:
    """Member id → their ORCID iD URL, for those of `member_ids` who linked one (one query)."""
    if not member_ids:
        return {}
    rows = db.session.execute(select(OrcidLink.member_id, OrcidLink.orcid).where(OrcidLink.member_id.in_(member_ids)))
    return {member_id: orcid_api.display_url(orcid_id) for member_id, orcid_id in rows}


def link_orcid(member: Member, code: str, *, actor: User | None) -> OrcidLink:
    """Exchange the sign-in's code for the member's iD and token, and keep them."""
    if not code or len(code) > 200:
        raise Invalid(_("ORCID sent no sign-in code. Please link again."), field="code")
    token = orcid_api.exchange_code(code)
    other = db.session.scalar(select(OrcidLink).where(OrcidLink.orcid == token.orcid,
                                                      OrcidLink.member_id != member.id))
    if other is not None:
        raise Conflict(_("The ORCID iD %(orcid)s is already linked to another alumni record. If it is yours too, "
                         "please write to the club's staff.", orcid=token.orcid))
    link = link_of(member)
    before = link.orcid if link is not None else None
    if link is None:
        link = OrcidLink(member_id=member.id, orcid=token.orcid, access_token=token.access_token)
        db.session.add(link)
    link.orcid, link.access_token, link.orcid_name = token.orcid, token.access_token, token.name
    db.session.flush()
    audit.record(actor, "orcid.linked", member=member, subject=member, changes={"orcid": [before, token.orcid]})
    return link


def unlink_orcid(member: Member, *, actor: User | None) -> None:
    """Forget the iD and the token; career entries imported from ORCID stay."""
    link = link_of(member)
    if link is None:
        raise NotFound(_("No ORCID iD is linked to your record."))
    orcid = link.orcid
    db.session.delete(link)
    db.session.flush()
    audit.record(actor, "orcid.unlinked", member=member, subject=member, changes={"orcid": [orcid, None]})


def _linked(member: Member) -> OrcidLink:
    link = link_of(member)
    if link is None:
        raise NotFound(_("No ORCID iD is linked to your record."))
    return link


def review_import(member: Member) -> list[Candidate]:
    """What the member's ORCID record holds, each affiliation with its matched institution, a
    role and whether it can be imported. Reads ORCID; changes nothing."""
    link = _linked(member)
    found = orcid_api.fetch_affiliations(link.orcid, link.access_token)
    imported = _imported(member)
    matcher = InstitutionMatcher(db.session.scalars(select(Institution)))
    return [_candidate(a, matcher.match(a), imported) for a in found]


def _imported(member: Member) -> dict[int, CareerEntry]:
    """The member's career entries imported from ORCID, by put-code."""
    entries = db.session.scalars(select(CareerEntry).where(
        CareerEntry.member_id == member.id, CareerEntry.orcid_put_code.is_not(None)))
    return {e.orcid_put_code: e for e in entries if e.orcid_put_code is not None}


def _candidate(affiliation: Affiliation, institution: Institution | None, imported: dict[int, CareerEntry]) -> Candidate:
    role = guess_role(affiliation, institution)
    if affiliation.put_code in imported:
        return Candidate(affiliation, institution, role, "imported", existing=imported[affiliation.put_code])
    if affiliation.start is None:
        return Candidate(affiliation, institution, role, "unusable", _("ORCID has no start date for it."))
    if affiliation.end is not None and affiliation.end < affiliation.start:
        return Candidate(affiliation, institution, role, "unusable", _("It ends before it starts on ORCID."))
    return Candidate(affiliation, institution, role, "new")


def guess_role(affiliation: Affiliation, institution: Institution | None) -> CareerRole:
    if affiliation.section == "education":
        return CareerRole.student
    title = affiliation.role_title.casefold()
    for role, words in ROLE_WORDS:
        if any(word in title for word in words):
            return role
    if institution is not None and institution.kind == InstitutionKind.government:
        return CareerRole.government
    return CareerRole.other


def career_title(affiliation: Affiliation) -> str:
    """The career entry's title: ORCID's role title and department, as far as 200 characters go."""
    return ", ".join(p for p in (affiliation.role_title, affiliation.department) if p)[:200]


def import_affiliations(member: Member, chosen: Mapping[int, CareerRole], *, actor: User | None) -> list[CareerEntry]:
    """Save the chosen affiliations (put-code → role) that are new, reading ORCID again so that
    what is saved is what ORCID holds now. Any problem and nothing is saved (the caller rolls back)."""
    if not chosen:
        raise Invalid(_("Choose at least one entry to import."), field="put_codes")
    offered = {c.affiliation.put_code: c for c in review_import(member) if c.status == "new"}
    saved = [_save(member, offered[code], role, actor) for code, role in sorted(chosen.items()) if code in offered]
    if not saved:
        raise Invalid(_("The chosen entries are no longer on your ORCID record, or are already imported."),
                      field="put_codes")
    audit.record(actor, "orcid.imported", member=member, subject=member,
                 changes={"orcid_put_codes": [None, [c.orcid_put_code for c in saved]]})
    return saved


def _save(member: Member, candidate: Candidate, role: CareerRole, actor: User | None) -> CareerEntry:
    a = candidate.affiliation
    try:
        career = member_service.add_career(member, {
            "organisation": a.organisation, "institution_id": candidate.institution.id if candidate.institution else None,
            "country": a.country, "role": role.value, "title": career_title(a),
            "start_date": a.start, "end_date": a.end,
        }, actor=actor)
    except ServiceError as error:
        raise Invalid(_("%(organisation)s could not be imported: %(reason)s",
                        organisation=a.organisation, reason=error.message), field="put_codes") from None
    career.orcid_put_code = a.put_code
    db.session.flush()
    return career


def parse_choices(put_codes: Iterable[str], roles: Mapping[str, str]) -> dict[int, CareerRole]:
    """The review form's answer: checked put-codes, each with its role (`roles[put_code]`)."""
    chosen: dict[int, CareerRole] = {}
    for raw in put_codes:
        if not re.fullmatch(r"\d{1,18}", raw or ""):
            raise Invalid(_("The form was changed: please start the import again."), field="put_codes")
        role = roles.get(raw, "")
        if role not in CareerRole.__members__:
            raise Invalid(_("Choose a role for each entry you import."), field="put_codes")
        chosen[int(raw)] = CareerRole(role)
    return chosen


class InstitutionMatcher:
    """Our institutions by ROR id and by every name they go by."""

    def __init__(self, institutions: Iterable[Institution]) -> None:
        self.by_ror: dict[str, Institution] = {}
        self.by_name: dict[str, list[Institution]] = {}
        for institution in institutions:
            if institution.ror_id:
                self.by_ror[institution.ror_id] = institution
            for name in {institution.name, *(institution.names or {}).values()}:
                self.by_name.setdefault(name_key(name), []).append(institution)

    def match(self, affiliation: Affiliation) -> Institution | None:
        if affiliation.ror_id and affiliation.ror_id in self.by_ror:
            return self.by_ror[affiliation.ror_id]
        named: Sequence[Institution] = self.by_name.get(name_key(affiliation.organisation), [])
        same_country = [i for i in named if i.country == affiliation.country]
        return same_country[0] if same_country else None
