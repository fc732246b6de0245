"""Update rounds (issue 21): POST /update-rounds asks an audience to confirm their records;
GET /update-rounds/{id} follows it (staff; organizers their own chapter's)."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields

from alumni.api.common import commit, forbid_unless, require_actor
from alumni.api.invitations import AudienceSchema
from alumni.api.schemas import StrictSchema, Text
from alumni.permissions import can_start_round
from alumni.services import invitations as isvc
from alumni.services import rounds as svc

PREFIX = "/update-rounds"
blp = Blueprint("api_rounds", __name__, description="Update rounds: members confirm or update their records")


class RoundRequestSchema(StrictSchema):
    audience = fields.Nested(AudienceSchema, load_default=dict, metadata={
        "description": "as for invitations, plus unconfirmed_months; an organizer's is their own chapter's"})
    message = Text(svc.MAX_MESSAGE, single_line=False, metadata={"description": "a few words put into every mail"})


class RoundStartedSchema(ma.Schema):
    id = fields.Integer(required=True)
    queued = fields.Integer(required=True)
    skipped = fields.Integer(required=True, metadata={"description": "unsubscribed members and held addresses"})


class FiguresSchema(ma.Schema):
    recipients = fields.Integer(required=True, metadata={"description": "members asked"})
    sent = fields.Integer(required=True, metadata={"description": "mail delivered by the outbox"})
    opened = fields.Integer(required=True, metadata={"description": "opened their link"})
    answered = fields.Integer(required=True)
    changed = fields.Integer(required=True, metadata={"description": "answered with a change to their record"})


class RoundFiguresSchema(FiguresSchema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    chapter = fields.String(allow_none=True, metadata={"description": "chapter code; null: every chapter"})
    audience = fields.Dict()
    by_country = fields.Dict(keys=fields.String(), values=fields.Nested(FiguresSchema),
                             metadata={"description": "by country of origin (\"\": not given)"})
    by_cohort = fields.Dict(keys=fields.String(), values=fields.Nested(FiguresSchema),
                            metadata={"description": "by cohort fiscal year (\"\": never in Japan)"})


@blp.route("", methods=["POST"])
@blp.arguments(RoundRequestSchema)
@blp.response(201, RoundStartedSchema)
def start(data):
    """Ask the audience whether their records are still right: a mail in each member's language
    with a link of their own (staff; an organizer for their own chapter's members)."""
    actor = require_actor()
    forbid_unless(can_start_round(actor))
    audience = svc.scoped_audience(isvc.clean_audience(data.get("audience") or {}), actor)
    update_round, queued, skipped = svc.start_round(audience, message=data.get("message") or "", actor=actor)
    commit()
    return {"id": update_round.id, "queued": queued, "skipped": skipped}


@blp.route("/<int:round_id>", methods=["GET"])
@blp.response(200, RoundFiguresSchema)
def show(round_id):
    """Sent, opened, answered and changed, in all and by country and cohort."""
    actor = require_actor()
    update_round = svc.visible_round(actor, round_id)
    return {"id": update_round.id, "created_at": update_round.created_at,
            "chapter": update_round.chapter.code if update_round.chapter else None,
            "audience": update_round.audience, **svc.round_figures(update_round)}
