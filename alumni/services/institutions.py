"""Institutions: created once, matched by name and country."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from alumni.errors import Conflict, NotFound
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Institution, InstitutionKind, User
from alumni.services import audit
from alumni.services import validation as v
from alumni.services.names import INSTITUTION_NAME_LENGTH, clean_names


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def get_institution(institution_id: int | None, field: str = "institution_id") -> Institution | None:
    if institution_id is None:
        return None
    institution = db.session.get(Institution, institution_id)
    if institution is None:
        raise NotFound(_("There is no institution %(id)s.", id=institution_id), field=field)
    return institution


def find_institution(name: str, country: str) -> Institution | None:
    return db.session.scalar(
        select(Institution).where(Institution.name_key == name_key(name), Institution.country == country)
    )


def create_institution(values: dict[str, Any], *, actor: User | None = None) -> Institution:
    name = v.text(values.get("name"), "name", required=True, max_length=300)
    country = v.country(values.get("country"))
    kind = v.choice(values.get("kind") or InstitutionKind.university.value, InstitutionKind, "kind")
    language = v.language(values.get("language") or "en", "language")
    names = clean_names(values.get("names"), language, INSTITUTION_NAME_LENGTH)
    ror_id = v.ror_id(values.get("ror_id"))
    if find_institution(name, country) is not None:
        raise Conflict(_("%(name)s (%(country)s) already exists.", name=name, country=country), field="name")
    _ensure_ror_id_free(ror_id)
    institution = Institution(name=name, name_key=name_key(name), country=country, kind=kind, language=language,
                              names=names, ror_id=ror_id)
    db.session.add(institution)
    db.session.flush()
    audit.record(actor, "institution.created", subject=institution,
                 changes=audit.created(institution, ("name", "country", "kind", "ror_id")))
    return institution


def _ensure_ror_id_free(ror_id: str | None, own_id: int | None = None) -> None:
    if ror_id is None:
        return
    holder = db.session.scalar(select(Institution).where(Institution.ror_id == ror_id))
    if holder is not None and holder.id != own_id:
        raise Conflict(_("The ROR id %(ror_id)s already belongs to %(name)s.", ror_id=ror_id, name=holder.name),
                       field="ror_id")


def set_ror_id(institution: Institution, value: object, *, actor: User | None) -> Institution:
    """An institution's ROR id (ORCID names organisations by it: services/orcid.py); None clears it."""
    ror_id = v.ror_id(value)
    _ensure_ror_id_free(ror_id, institution.id)
    before = audit.snapshot(institution, ("ror_id",))
    institution.ror_id = ror_id
    db.session.flush()
    changed = audit.diff(before, institution)
    if changed:
        audit.record(actor, "institution.updated", subject=institution, changes=changed)
    return institution


def find_or_create_institution(name: str, country: str, kind: InstitutionKind | None = None) -> Institution:
    """The institution called `name` in `country` (trimmed, case-insensitive), created if new."""
    existing = find_institution(name, country)
    if existing is not None:
        return existing
    return create_institution({"name": name, "country": country, "kind": (kind or InstitutionKind.university).value})


def list_institutions(*, country: str | None = None, q: str | None = None) -> Select[Institution]:
    stmt = select(Institution).order_by(Institution.name, Institution.id)
    if country:
        stmt = stmt.where(Institution.country == v.country(country))
    if q:
        stmt = stmt.where(Institution.name_key.contains(name_key(q), autoescape=True))
    return stmt
