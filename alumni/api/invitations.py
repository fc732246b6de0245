"""Invitations: POST /events/{id}/invitations queues the invitation for an audience."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields

from alumni.api.common import commit, forbid_unless, require_actor
from alumni.api.events import visible_event
from alumni.api.schemas import Country, StrictSchema
from alumni.permissions import can_invite
from alumni.services import invitations as isvc

PREFIX = "/events"
blp = Blueprint("api_invitations", __name__, description="Invitations to events, in each member's language")


class AudienceSchema(StrictSchema):
    chapter = fields.String(allow_none=True, metadata={"description": "chapter code: members of its countries"})
    countries = fields.List(Country(), metadata={"description": "ISO 3166-1 alpha-2 codes", "maxItems": 300})
    programmes = fields.List(fields.String(), metadata={"description": "programme codes, e.g. SSP-A", "maxItems": 300})
    fiscal_years = fields.List(fields.Raw(metadata={"type": "integer", "minimum": 1950, "maximum": 2100}), metadata={"description": "cohorts: fiscal year of the first inbound participation", "maxItems": 300})
    host_institution = fields.Raw(allow_none=True, metadata={"type": "integer", "description": "id of a Japanese host institution"})
    returnees = fields.Raw(metadata={"type": "boolean", "description": "true: only members who returned to Japan"})
    unconfirmed_months = fields.Raw(allow_none=True, metadata={
        "type": "integer", "minimum": 1, "maximum": 120,
        "description": "only members whose record was not confirmed for this many months (or never)"})


class InvitationRequestSchema(StrictSchema):
    audience = fields.Nested(AudienceSchema, load_default=dict)


class InvitationResultSchema(StrictSchema):
    queued = fields.Integer(required=True)
    skipped = fields.Integer(required=True, metadata={"description": "unsubscribed, invited before, or held addresses"})


@blp.route("/<int:event_id>/invitations", methods=["POST"])
@blp.arguments(InvitationRequestSchema)
@blp.response(200, InvitationResultSchema)
def invite(data, event_id):
    """Queue the invitation for the audience (organizers of the event's chapter, staff). Each
    member is invited once per event; asking again queues only those not yet invited."""
    actor = require_actor()
    event = visible_event(actor, event_id)
    forbid_unless(can_invite(actor, event))
    audience = isvc.clean_audience(data.get("audience") or {})
    queued, skipped = isvc.queue_invitations(event, audience, actor=actor)
    commit()
    return {"queued": queued, "skipped": skipped}
