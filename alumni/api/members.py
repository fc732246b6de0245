"""Members and their participations, careers and return visits.

Members read and change only their own record; staff everything; others see only what the
member chose to show (visibility)."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from alumni.api.common import commit, forbid_unless, require_actor
from alumni.api.schemas import (
    CalendarTokenSchema,
    CareerPage,
    CareerPatch,
    CareerSchema,
    MemberPage,
    MemberPatch,
    MemberQuerySchema,
    MemberSchema,
    MemberViewSchema,
    NoBodySchema,
    PageArgsSchema,
    ParticipationPage,
    ParticipationPatch,
    ParticipationSchema,
    ReturnPage,
    ReturnPatch,
    ReturnSchema,
)
from alumni.errors import NotFound
from alumni.i18n import _
from alumni.permissions import can_create_member, can_manage_member, can_view_member, is_staff
from alumni.services import members as svc
from alumni.services import orcid, orcid_api
from alumni.services.calendars import member_feed_url, reset_calendar_token
from alumni.services.membership import log_staff_access, update_profile
from alumni.services.paging import paginate

PREFIX = "/members"
blp = Blueprint("api_members", __name__, description="Members and their records")

#: What someone who is neither the member nor staff sees of a visible member.
PUBLIC_FIELDS = ("id", "given_name", "family_name", "native_name", "family_name_first", "country", "field")


def member_out(member, actor, *, make_calendar_url: bool = False, orcids: dict[int, str] | None = None):
    """The member as `actor` may see them. The member and staff also get `calendar_url`, the
    private feed; `make_calendar_url` creates its token on first use (lists never write); and,
    where ORCID is configured, `orcid` (`orcids`: the page's, read at once by a list)."""
    if not can_manage_member(actor, member):
        return {name: getattr(member, name) for name in PUBLIC_FIELDS}
    out = {name: getattr(member, name) for name in ("id", *svc.MEMBER_FIELDS)}
    out["invitations"] = member.invitations_unsubscribed_at is None
    out["pending_email"] = member.pending_email
    out["confirmed_at"] = member.confirmed_at
    if make_calendar_url or member.calendar_token:
        out["calendar_url"] = member_feed_url(member)
    if orcid_api.is_configured():
        out["orcid"] = (orcids if orcids is not None else orcid.orcid_urls([member.id])).get(member.id)
    return out


def _member_for(actor, member_id: int, *, manage: bool):
    """The member, if `actor` may see (or, with manage, change) them; else 404 — the id of a
    member one may not see is not confirmed to exist."""
    try:
        member = svc.get_member(member_id)
    except NotFound:
        raise NotFound(_("There is no member %(id)s.", id=member_id)) from None
    if not can_view_member(actor, member):
        raise NotFound(_("There is no member %(id)s.", id=member_id))
    forbid_unless(not manage or can_manage_member(actor, member))
    log_staff_access(actor, member, f"api:{request.method} {request.path}")
    return member


@blp.route("")
class Members(MethodView):
    @blp.arguments(MemberQuerySchema, location="query")
    @blp.response(200, MemberPage)
    def get(self, args):
        """Members: all for staff, otherwise those who chose to be visible."""
        actor = require_actor()
        stmt = svc.list_members(visible_only=not is_staff(actor), country=args.get("country"))
        items, total = paginate(stmt, args["page"], args["per_page"])
        if log_staff_access(actor, None, f"api:GET {request.full_path.rstrip('?')}"):
            commit()
        orcids = orcid.orcid_urls([m.id for m in items]) if orcid_api.is_configured() else None
        return {"items": [member_out(m, actor, orcids=orcids) for m in items], "total": total}

    @blp.arguments(MemberSchema)
    @blp.response(201, MemberSchema)
    def post(self, data):
        """Create a member (staff)."""
        actor = require_actor()
        forbid_unless(can_create_member(actor))
        invitations = data.pop("invitations", None)
        member = svc.create_member(data, actor=actor)
        if invitations is not None:
            update_profile(member, {"invitations": invitations}, actor=actor)
        commit()
        return member_out(member, actor)


@blp.route("/<int:member_id>")
class MemberItem(MethodView):
    @blp.response(200, MemberViewSchema)
    def get(self, member_id):
        actor = require_actor()
        member = _member_for(actor, member_id, manage=False)
        out = member_out(member, actor, make_calendar_url=True)
        commit()  # the staff access log entry and a first calendar token, if any
        return out

    @blp.arguments(MemberPatch)
    @blp.response(200, MemberSchema)
    def patch(self, data, member_id):
        actor = require_actor()
        member = update_profile(_member_for(actor, member_id, manage=True), data, actor=actor)
        commit()
        return member_out(member, actor)

    @blp.response(204)
    def delete(self, member_id):
        actor = require_actor()
        svc.delete_member(_member_for(actor, member_id, manage=True), actor=actor)
        commit()


@blp.route("/<int:member_id>/calendar-token", methods=["POST"])
@blp.arguments(NoBodySchema, required=False)
@blp.response(200, CalendarTokenSchema)
def member_calendar_token(_body, member_id):
    """A new private feed URL; the old one stops working at once."""
    actor = require_actor()
    member = _member_for(actor, member_id, manage=True)
    reset_calendar_token(member, actor=actor)
    commit()
    return {"calendar_url": member_feed_url(member)}


def _record_routes(kind: str, schema, patch_schema, page_schema, add, update):
    """GET/POST …/{kind} and PATCH/DELETE …/{kind}/{rid}: the same shape for all three records."""

    @blp.route(f"/<int:member_id>/{kind}", endpoint=f"{kind}_list")
    class RecordList(MethodView):
        @blp.arguments(PageArgsSchema, location="query")
        @blp.response(200, page_schema)
        def get(self, args, member_id):
            actor = require_actor()
            member = _member_for(actor, member_id, manage=True)
            commit()  # the staff access log entry, if any
            items = list(getattr(member, kind))
            start = (args["page"] - 1) * args["per_page"]
            return {"items": items[start:start + args["per_page"]], "total": len(items)}

        @blp.arguments(schema)
        @blp.response(201, schema)
        def post(self, data, member_id):
            actor = require_actor()
            record = add(_member_for(actor, member_id, manage=True), data, actor=actor)
            commit()
            return record

    @blp.route(f"/<int:member_id>/{kind}/<int:record_id>", endpoint=f"{kind}_item")
    class RecordItem(MethodView):
        @blp.response(200, schema)
        def get(self, member_id, record_id):
            actor = require_actor()
            record = svc.get_record(_member_for(actor, member_id, manage=True), kind, record_id)
            commit()  # the staff access log entry, if any
            return record

        @blp.arguments(patch_schema)
        @blp.response(200, schema)
        def patch(self, data, member_id, record_id):
            actor = require_actor()
            record = svc.get_record(_member_for(actor, member_id, manage=True), kind, record_id)
            record = update(record, data, actor=actor)
            commit()
            return record

        @blp.response(204)
        def delete(self, member_id, record_id):
            actor = require_actor()
            record = svc.get_record(_member_for(actor, member_id, manage=True), kind, record_id)
            svc.delete_record(record, actor=actor)
            commit()

    RecordList.__name__ = f"{kind.title()}List"
    RecordItem.__name__ = f"{kind.title()}Item"


_record_routes("participations", ParticipationSchema, ParticipationPatch, ParticipationPage, svc.add_participation, svc.update_participation)
_record_routes("careers", CareerSchema, CareerPatch, CareerPage, svc.add_career, svc.update_career)
_record_routes("returns", ReturnSchema, ReturnPatch, ReturnPage, svc.add_return, svc.update_return)

