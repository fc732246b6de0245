"""Duplicate members (staff): candidate pairs, merging one into the other, undoing a merge."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from alumni.api.common import commit, forbid_unless, require_actor
from alumni.api.members import member_out
from alumni.api.schemas import (
    DuplicatePage,
    DuplicateQuerySchema,
    MergeResultSchema,
    MergeSchema,
    MergeUndoSchema,
    NoBodySchema,
)
from alumni.errors import NotFound
from alumni.i18n import _
from alumni.models import Member
from alumni.permissions import can_merge_members
from alumni.services import duplicates, merges
from alumni.services.members import get_member

PREFIX = ""
blp = Blueprint("api_duplicates", __name__, description="Duplicate members: find, merge, undo (staff)")


def _member(member_id: int, field: str | None = None) -> Member:
    try:
        return get_member(member_id)
    except NotFound:
        raise NotFound(_("There is no member %(id)s.", id=member_id), field=field) from None


@blp.route("/members/duplicates")
class Duplicates(MethodView):
    @blp.arguments(DuplicateQuerySchema, location="query")
    @blp.response(200, DuplicatePage)
    def get(self, args):
        """Pairs of members that look like one person, best first."""
        forbid_unless(can_merge_members(require_actor()))
        min_score = args.get("min_score")
        found = duplicates.listed_duplicates(duplicates.DEFAULT_MIN_SCORE if min_score is None else min_score)
        start = (args["page"] - 1) * args["per_page"]
        items = [{"member_ids": list(c.member_ids), "score": c.score, "reasons": list(c.reasons)}
                 for c in found[start:start + args["per_page"]]]
        return {"items": items, "total": len(found)}


@blp.route("/members/<int:member_id>/merge", methods=["POST"])
@blp.arguments(MergeSchema)
@blp.response(200, MergeResultSchema)
def merge_member(data, member_id):
    """Merge `duplicate_id` into this member; the answer names the merge (to undo it)."""
    actor = require_actor()
    forbid_unless(can_merge_members(actor))
    kept = _member(member_id)
    duplicate = _member(data["duplicate_id"], "duplicate_id")
    merge = merges.merge_members(kept, duplicate, choices=data.get("choices"), actor=actor)
    commit()
    return {"merge_id": merge.id, "member": member_out(_member(member_id), actor)}


@blp.route("/merges/<int:merge_id>/undo", methods=["POST"])
@blp.arguments(NoBodySchema, required=False)
@blp.response(200, MergeUndoSchema)
def undo_merge(_body, merge_id):
    """Undo a merge: both members, their records and registrations as they were before it."""
    actor = require_actor()
    forbid_unless(can_merge_members(actor))
    merge = merges.get_merge(merge_id)
    if merge is None:
        raise NotFound(_("There is no merge %(id)s.", id=merge_id))
    merges.undo_merge(merge, actor=actor)
    commit()
    return {"merge_id": merge.id, "undone_at": merge.undone_at,
            "member_ids": [merge.kept_member_id, merge.duplicate_member_id]}
