"""Letters, certificates and badges as PDF (issue 22): …/certificate.pdf of a registration
(attendance) and of a participation, a forum delegate's invitation letter (requested by them,
issued by staff), staff revoking a document, a forum's badges."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from marshmallow import fields

from alumni.api.common import commit, require_actor, visible_registration
from alumni.api.schemas import NoBodySchema, StrictSchema
from alumni.errors import NotFound
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Participation
from alumni.services import documents as dsvc
from alumni.services.events import get_event

PREFIX = ""
blp = Blueprint("api_documents", __name__, description="Certificates, invitation letters and badges (PDF)")
PDF = {"content_type": "application/pdf", "description": "the PDF", "success": True}


class DocumentSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    language = fields.String(dump_only=True)
    requested_at = fields.DateTime(dump_only=True, allow_none=True)
    issued_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    verify_url = fields.String(dump_only=True)


def document_out(document) -> dict:
    return {"id": document.id, "code": document.code, "kind": document.kind.value, "language": document.language,
            "requested_at": document.requested_at, "issued_at": document.issued_at,
            "revoked_at": document.revoked_at, "verify_url": dsvc.verify_url(document)}


def pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})




@blp.route("/registrations/<int:registration_id>/certificate.pdf")
@blp.alt_response(200, **PDF)
def attendance_certificate(registration_id):
    """The certificate of attendance (for someone checked in): its member, the organizers, staff."""
    actor = require_actor()
    document = dsvc.attendance_certificate(visible_registration(actor, registration_id), actor=actor)
    data = dsvc.render_pdf(document)
    commit()
    return pdf(data, f"attendance-{registration_id}.pdf")


@blp.route("/participations/<int:participation_id>/certificate.pdf")
@blp.alt_response(200, **PDF)
def participation_certificate(participation_id):
    """The certificate of participation in a programme: the member's own, or staff's."""
    actor = require_actor()
    participation = db.session.get(Participation, participation_id)
    if participation is None:
        raise NotFound(_("There is no participation %(id)s.", id=participation_id))
    document = dsvc.participation_certificate(participation, actor=actor)
    data = dsvc.render_pdf(document)
    commit()
    return pdf(data, f"participation-{participation_id}.pdf")


@blp.route("/registrations/<int:registration_id>/invitation-letter", methods=["POST"])
@blp.arguments(NoBodySchema)
@blp.response(201, DocumentSchema)
def request_letter(_body, registration_id):
    """A forum delegate with a seat asks for an invitation letter for a visa to Japan."""
    actor = require_actor()
    document = dsvc.request_letter(visible_registration(actor, registration_id), actor=actor)
    commit()
    return document_out(document)


@blp.route("/registrations/<int:registration_id>/invitation-letter.pdf")
@blp.alt_response(200, **PDF)
def letter_pdf(registration_id):
    """The issued invitation letter: its delegate or staff."""
    actor = require_actor()
    document = dsvc.letter_for(visible_registration(actor, registration_id), actor=actor)
    return pdf(dsvc.render_pdf(document), f"invitation-letter-{registration_id}.pdf")


@blp.route("/documents/<int:document_id>/issue", methods=["POST"])
@blp.arguments(NoBodySchema)
@blp.response(200, DocumentSchema)
def issue(_body, document_id):
    """Staff issue a requested invitation letter."""
    actor = require_actor()
    document = dsvc.issue_letter(dsvc.get_document(document_id, actor=actor), actor=actor)
    commit()
    return document_out(document)


@blp.route("/documents/<int:document_id>/revoke", methods=["POST"])
@blp.arguments(NoBodySchema)
@blp.response(200, DocumentSchema)
def revoke(_body, document_id):
    """Staff revoke a document: its verification page says so from then on."""
    actor = require_actor()
    document = dsvc.revoke(dsvc.get_document(document_id, actor=actor), actor=actor)
    commit()
    return document_out(document)


@blp.route("/events/<int:event_id>/badges.pdf")
@blp.alt_response(200, **PDF)
def badges(event_id):
    """Name badges of a forum's yes list, A4 sheets of 8 (organizers and staff)."""
    actor = require_actor()
    return pdf(dsvc.badges_pdf(get_event(event_id), actor=actor), f"badges-{event_id}.pdf")
