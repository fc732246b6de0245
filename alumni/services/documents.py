"""Letters, certificates and badges as PDF (issue 22).

A document is a row (alumni.models.documents) with a random code; its PDF is rendered from the
record each time (HTML + CSS through WeasyPrint, which shapes every script with Pango/HarfBuzz and
embeds the subset of each font it uses). Fonts come from the system through fontconfig: the
Noto families named in FONT_FAMILIES (Debian: fonts-noto-core, fonts-noto-cjk); `flask check`
warns when a language we support has none (missing_fonts)."""
from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import segno
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from weasyprint import HTML

from alumni.errors import Conflict, Forbidden, NotFound
from alumni.extensions import db
from alumni.i18n import LANGUAGES, RTL_LANGUAGES, _, babel_locale, force_locale
from alumni.models import Event, Member, Participation, Registration, RegistrationStatus, User
from alumni.models.documents import Document, DocumentKind
from alumni.models.types import utcnow
from alumni.permissions import (
    can_manage_documents,
    can_manage_event,
    can_manage_member,
    can_request_letter,
    can_view_registration,
    is_self,
)
from alumni.services import audit
from alumni.services.names import name_text, programme_name
from alumni.services.urls import external_url

#: The font stack of every document: one family per script, found by fontconfig.
FONT_FAMILIES = ("Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans Devanagari", "Noto Sans Thai",
                 "Noto Sans Arabic")
#: fontconfig's language tag for each language we support (`fc-list :lang=TAG`).
FONTCONFIG_LANG = {"en": "en", "ja": "ja", "zh-Hans": "zh-cn", "hi": "hi", "id": "id", "th": "th", "vi": "vi",
                   "fr": "fr", "es": "es", "ar": "ar"}
BADGES_PER_SHEET = 8


def missing_fonts() -> list[str]:
    """The languages (of alumni.i18n.LANGUAGES) with no installed font that covers them; all of
    them when fontconfig itself is missing."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return list(LANGUAGES)
    missing = []
    for tag in LANGUAGES:
        found = subprocess.run([fc_list, f":lang={FONTCONFIG_LANG.get(tag, tag)}", "family"],
                               capture_output=True, text=True, timeout=30, check=False).stdout
        if not found.strip():
            missing.append(tag)
    return missing


def _new_code() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits, 24 characters


def get_document(document_id: int, *, actor: User | None = None) -> Document:
    """A document, for staff (who issue and revoke them); anyone else: not found."""
    document = db.session.get(Document, document_id)
    if document is None or not can_manage_documents(actor):
        raise NotFound(_("There is no such document."))
    return document


def letter_request(registration: Registration) -> Document | None:
    """The registration's invitation letter, asked for or issued, unless revoked."""
    return _current(DocumentKind.invitation_letter, registration_id=registration.id)


def letter_for(registration: Registration, *, actor: User | None = None) -> Document:
    """The issued invitation letter of a registration: its delegate's, or staff's."""
    member = registration.member
    if not (can_manage_documents(actor) or (member is not None and is_self(actor, member))):
        raise NotFound(_("There is no such document."))
    document = _current(DocumentKind.invitation_letter, registration_id=registration.id)
    if document is None or document.issued_at is None:
        raise Conflict(_("No invitation letter has been issued for this registration yet."))
    return document


def _current(kind: DocumentKind, **where: int) -> Document | None:
    """The document of this kind for the registration or participation that is not revoked."""
    query = sa.select(Document).where(Document.kind == kind, Document.revoked_at.is_(None)).filter_by(**where)
    return db.session.scalars(query.order_by(Document.id.desc())).first()


def _issue(kind: DocumentKind, member: Member | None, actor: User | None, **where: int) -> Document:
    """A new document, or — when another request issued the same one meanwhile (the unique index
    of live documents refuses a second) — that one."""
    document = Document(code=_new_code(), kind=kind, member_id=member.id if member else None,
                        language=member.preferred_language if member else "en",
                        issued_at=utcnow(), issued_by_id=actor.id if actor else None, **where)
    try:
        with db.session.begin_nested():
            db.session.add(document)
    except IntegrityError:
        existing = _current(kind, **where)
        if existing is None:
            raise
        return existing
    audit.record(actor, "document.issued", member=member, subject=document, changes={"kind": kind.value})
    return document


def attendance_certificate(registration: Registration, *, actor: User | None = None) -> Document:
    """The certificate of attendance of someone checked in at an event (issued on first download,
    the same one after). Its owner, the event's organizers and staff may have it."""
    if not can_view_registration(actor, registration):
        raise NotFound(_("There is no such document."))
    if registration.checked_in_at is None:
        raise Conflict(_("A certificate of attendance is only issued to someone checked in at the event."))
    return (_current(DocumentKind.attendance, registration_id=registration.id)
            or _issue(DocumentKind.attendance, registration.member, actor, registration_id=registration.id))


def participation_certificate(participation: Participation, *, actor: User | None = None) -> Document:
    """The certificate of participation in a programme: the member's own, or staff's."""
    member = participation.member
    if not (is_self(actor, member) or can_manage_member(actor, member)):
        raise NotFound(_("There is no such document."))
    return (_current(DocumentKind.participation, participation_id=participation.id)
            or _issue(DocumentKind.participation, member, actor, participation_id=participation.id))


def request_letter(registration: Registration, *, actor: User | None = None) -> Document:
    """A forum delegate with a seat asks for an invitation letter (for a visa to Japan); staff
    issue it (issue_letter). Asking again answers the same request."""
    member = registration.member
    if member is None or not is_self(actor, member):
        raise Forbidden(_("Only the delegate may ask for their invitation letter."))
    if not can_request_letter(actor, registration) or registration.status != RegistrationStatus.yes:
        raise Conflict(_("Invitation letters are for forum delegates with a seat."))
    existing = _current(DocumentKind.invitation_letter, registration_id=registration.id)
    if existing is not None:
        return existing
    document = Document(code=_new_code(), kind=DocumentKind.invitation_letter, member_id=member.id,
                        registration_id=registration.id, language=member.preferred_language,
                        requested_at=utcnow())
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "document.requested", member=member, event=registration.event_id, subject=document)
    return document


def issue_letter(document: Document, *, actor: User | None = None) -> Document:
    if actor is None or not can_manage_documents(actor):
        raise Forbidden(_("Only staff issue invitation letters."))
    if document.kind != DocumentKind.invitation_letter or document.revoked_at is not None:
        raise Conflict(_("Only a requested invitation letter can be issued."))
    if document.issued_at is None:
        document.issued_at, document.issued_by_id = utcnow(), actor.id
        db.session.flush()
        audit.record(actor, "document.issued", member=document.member_id, subject=document,
                     changes={"kind": document.kind.value})
    return document


def revoke(document: Document, *, actor: User | None = None) -> Document:
    """Staff revoke a document: /verify/d/{code} says so from then on."""
    if actor is None or not can_manage_documents(actor):
        raise Forbidden(_("Only staff revoke documents."))
    if document.revoked_at is None:
        document.revoked_at, document.revoked_by_id = utcnow(), actor.id
        db.session.flush()
        audit.record(actor, "document.revoked", member=document.member_id, subject=document)
    return document


@dataclass(frozen=True)
class Verdict:
    """What /verify/d/{code} says: `document` None for a code we never issued."""

    document: Document | None

    @property
    def genuine(self) -> bool:
        return self.document is not None and self.document.issued_at is not None \
            and self.document.revoked_at is None

    @property
    def revoked(self) -> bool:
        return self.document is not None and self.document.revoked_at is not None


def verify(code: str) -> Verdict:
    if not code or len(code) > 32:
        return Verdict(None)
    document = db.session.scalar(sa.select(Document).where(Document.code == code))
    if document is not None and document.issued_at is None:
        document = None  # requested, never issued: nothing to vouch for
    return Verdict(document)


def verify_url(document: Document) -> str:
    return external_url("documents.verify", code=document.code)


def _qr(data: str) -> Markup:
    return Markup(segno.make(data, error="m").svg_inline(scale=3, dark="#000"))


def _render(template: str, language: str, **context: Any) -> bytes:
    """A PDF of the template, in `language` (its catalogue, its direction)."""
    with force_locale(babel_locale(language)):
        html = current_app.jinja_env.get_template(template).render(
            lang=language, direction="rtl" if language in RTL_LANGUAGES else "ltr",
            fonts=Markup(", ".join(f'"{f}"' for f in FONT_FAMILIES)), **context)
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def render_pdf(document: Document) -> bytes:
    """The document's PDF: what it certifies, for whom, its verification code, URL and QR."""
    if document.issued_at is None:
        raise Conflict(_("This invitation letter has not been issued yet."))
    if document.revoked_at is not None:
        raise Conflict(_("This document has been revoked."))
    url, lang = verify_url(document), document.language
    registration, participation = document.registration, document.participation
    return _render("documents/document.html", lang, doc=document, member=document.member,
                   registration=registration, participation=participation, verify_url=url, qr=_qr(url),
                   institution=name_text(registration.institution, lang) if registration else "",
                   programme=programme_name(participation.programme_code) if participation else "",
                   host=name_text(participation.host_institution, lang) if participation else "")


def badges_pdf(event: Event, *, actor: User | None = None) -> bytes:
    """Name badges for a forum's yes list, A4 sheets of 8: name in Latin and native script,
    institution, side, and the QR of the ticket (the organizers' check-in address)."""
    if not can_manage_event(actor, event):
        raise Forbidden(_("Only the event's organizers and staff may print its badges."))
    query = (sa.select(Registration).where(Registration.event_id == event.id,
                                           Registration.status == RegistrationStatus.yes,
                                           Registration.member_id.is_not(None))
             .order_by(Registration.side, Registration.id))
    badges = [(reg, name_text(reg.institution, event.language),
               _qr(external_url("manage.scan", token=reg.ticket_token)))
              for reg in db.session.scalars(query)]
    sheets = [badges[i:i + BADGES_PER_SHEET] for i in range(0, len(badges), BADGES_PER_SHEET)]
    return _render("documents/badges.html", event.language, event=event, sheets=sheets)
