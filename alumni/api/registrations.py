"""PATCH /registrations/{id} (change the answer or withdraw), POST …/check-in and POST
…/take-offer (a seat offered from the waitlist)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from alumni.api.common import commit, forbid_unless, require_actor, visible_registration
from alumni.api.events import ANSWERS_FIELD, RegistrationSchema, registration_out
from alumni.api.schemas import Integer, NoBodySchema, StrictSchema, Text
from alumni.models import Response
from alumni.permissions import can_check_in, can_respond_for
from alumni.services import registrations as rsvc
from alumni.services.events import MAX_LENGTH

PREFIX = "/registrations"
blp = Blueprint("api_registrations", __name__, description="Changing an answer, withdrawing, check-in")


class RegistrationPatchSchema(StrictSchema):
    response = fields.String(validate=validate.OneOf([r.value for r in Response]))
    status = fields.String(validate=validate.OneOf(["cancelled"]), metadata={"description": "cancelled = withdraw"})
    institution_id = Integer(allow_none=True)
    side = Text(MAX_LENGTH["side"], allow_none=True)
    answers = ANSWERS_FIELD()




@blp.route("/<int:registration_id>", methods=["PATCH"])
@blp.arguments(RegistrationPatchSchema)
@blp.response(200, RegistrationSchema)
def change(data, registration_id):
    actor = require_actor()
    reg = visible_registration(actor, registration_id)
    outcome = rsvc.change_registration(reg, data, actor=actor)
    commit()
    return registration_out(outcome.registration)


@blp.route("/<int:registration_id>/check-in", methods=["POST"])
@blp.arguments(NoBodySchema, required=False)
@blp.response(200, RegistrationSchema)
def check_in(_body, registration_id):
    """Record arrival; a second check-in answers 409 and is not counted."""
    actor = require_actor()
    reg = visible_registration(actor, registration_id)
    forbid_unless(can_check_in(actor, reg.event))
    rsvc.check_in(reg, actor=actor)
    commit()
    return registration_out(reg)


@blp.route("/<int:registration_id>/take-offer", methods=["POST"])
@blp.arguments(NoBodySchema, required=False)
@blp.response(200, RegistrationSchema)
def take_offer(_body, registration_id):
    """Take the seat offered from the waitlist (status becomes yes); 409 when there is no open
    offer or it has expired. Declining: PATCH with status "cancelled" (the seat passes on)."""
    actor = require_actor()
    reg = visible_registration(actor, registration_id)
    forbid_unless(reg.member is not None and can_respond_for(actor, reg.event, reg.member))
    rsvc.take_offer(reg, actor=actor)
    commit()
    return registration_out(reg)
