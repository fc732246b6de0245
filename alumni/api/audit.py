"""GET /audit?member=ID|event=ID: who changed what, when (staff; organizers for their events)."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validates_schema
from marshmallow import ValidationError as MaValidationError

from alumni.api.common import forbid_unless, require_actor
from alumni.api.schemas import Integer, PageArgsSchema, page_of
from alumni.i18n import _
from alumni.models import AuditEntry
from alumni.permissions import can_view_audit, is_staff
from alumni.services import audit as svc
from alumni.services.events import get_event
from alumni.services.members import get_member

PREFIX = "/audit"
blp = Blueprint("api_audit", __name__, description="The audit log: every change made through a service, with who made it")


class AuditQuerySchema(PageArgsSchema):
    member = Integer(metadata={"description": "a member's id: what was done to their record"})
    event = Integer(metadata={"description": "an event's id: what was done to it and its registrations"})

    @validates_schema
    def one_of_them(self, data, **_kwargs):
        if data.get("member") is None and data.get("event") is None:
            raise MaValidationError(_("Give a member or an event."), "member")


class AuditActorSchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "the account; null once it is deleted"})
    name = fields.String(required=True)
    role = fields.String(allow_none=True)


class AuditObjectSchema(Schema):
    type = fields.String(required=True, metadata={"description": "what was changed: members, events, …"})
    id = fields.Integer(allow_none=True)


class AuditEntrySchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True, metadata={"description": "UTC"})
    actor = fields.Nested(AuditActorSchema, allow_none=True, required=True,
                          metadata={"description": "null: the system (command line, worker)"})
    action = fields.String(required=True, metadata={"description": "e.g. registration.answered"})
    object = fields.Nested(AuditObjectSchema, required=True)
    member_id = fields.Integer(allow_none=True)
    event_id = fields.Integer(allow_none=True)
    changes = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)), required=True,
                          metadata={"description": "{field: [before, after]}"})


AuditPage = page_of(AuditEntrySchema, "AuditPage")


def entry_out(entry: AuditEntry) -> dict:
    actor = None
    if entry.actor_id is not None or entry.actor_name:
        actor = {"id": entry.actor_id, "name": entry.actor_name, "role": entry.actor_role}
    return {"id": entry.id, "at": entry.at, "actor": actor, "action": entry.action,
            "object": {"type": entry.subject_type, "id": entry.subject_id},
            "member_id": entry.member_id, "event_id": entry.event_id, "changes": entry.changes}


@blp.route("")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPage)
def audit_list(args):
    """Newest first. Staff: any member or event; organizers: the events of their chapter."""
    actor = require_actor()
    # Only staff read a member's log: anyone else is refused before the id is looked up, so the
    # answer does not tell which member ids exist.
    forbid_unless(is_staff(actor) or args.get("member") is None)
    member = get_member(args["member"]) if args.get("member") is not None else None
    event = get_event(args["event"]) if args.get("event") is not None else None
    forbid_unless(can_view_audit(actor, member=member, event=event))
    page = svc.entries(member_id=member.id if member else None, event_id=event.id if event else None,
                       page=args["page"], per_page=args["per_page"])
    return {"items": [entry_out(e) for e in page.items], "total": page.total}
