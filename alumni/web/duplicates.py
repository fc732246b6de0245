"""Staff pages for duplicate members: the candidate pairs, the merge page (two records side by
side, a choice per field, then a confirmation) and undoing a merge."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.i18n import _, _l, country_name, language_name
from alumni.models import Member, Registration, User
from alumni.models.members import VISIBILITY_LABELS
from alumni.permissions import can_merge_members
from alumni.services import duplicates, merges
from alumni.services.paging import page_number
from alumni.web.confirm import ask_first, is_confirmed
from alumni.web.events import zone_label

bp = Blueprint("duplicates", __name__, url_prefix="/staff")
PER_PAGE = 25
FIELD_LABELS = {
    "email": _l("Email"), "given_name": _l("Given name"), "family_name": _l("Family name"),
    "native_name": _l("Name in your own script"), "family_name_first": _l("Family name first"),
    "country": _l("Country of origin"), "preferred_language": _l("Contact language"), "timezone": _l("Time zone"),
    "field": _l("Field"), "visibility": _l("Visibility"),
}


def _shown(field: str, value: object) -> str:
    """A field's value as people read it."""
    if value is None or value == "":
        return "—"
    if field == "country":
        return country_name(str(value))
    if field == "preferred_language":
        return language_name(str(value))
    if field == "visibility":
        return str(VISIBILITY_LABELS.get(value, value))  # type: ignore[call-overload]
    if field == "family_name_first":
        return _("Yes") if value else _("No")
    if field == "timezone":
        return zone_label(str(value))
    return str(value)


def _allowed() -> None:
    if not can_merge_members(current_user):
        abort(403)


def _member_or_404(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    return member


@bp.route("/duplicates")
@login_required
def pairs():
    """Pairs of members that look like one person, best first, and the recent merges."""
    _allowed()
    page = page_number(request.args.get("page"))
    found = duplicates.listed_duplicates()
    shown = found[(page - 1) * PER_PAGE:page * PER_PAGE]
    ids = {i for c in shown for i in c.member_ids}
    members = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}
    return render_template("duplicates/pairs.html", pairs=shown, members=members, total=len(found), page=page,
                           pages=max(1, -(-len(found) // PER_PAGE)), merges=merges.recent_merges(10))


def _facts(member: Member) -> dict[str, int | bool]:
    """What moves with a member: counts of their records, and whether they have an account."""
    registrations = db.session.scalar(select(func.count()).select_from(Registration)
                                      .where(Registration.member_id == member.id)) or 0
    account = db.session.scalar(select(User.id).where(User.member_id == member.id)) is not None
    return {"participations": len(member.participations), "careers": len(member.careers),
            "returns": len(member.returns), "registrations": registrations, "account": account}


@bp.route("/duplicates/merge/<int:kept_id>/<int:duplicate_id>", methods=["GET", "POST"])
@login_required
def merge(kept_id: int, duplicate_id: int):
    """The two records side by side; a choice per field; then a confirmation page."""
    _allowed()
    kept, duplicate = _member_or_404(kept_id), _member_or_404(duplicate_id)
    if kept.id == duplicate.id:
        abort(404)
    choices = {f: request.form.get(f, "kept") for f in merges.MERGE_FIELDS}
    if request.method == "POST" and not is_confirmed():
        return ask_first(
            title=_("Merge these two members?"), subject=f"{duplicate.display_name} → {kept.display_name}",
            lead=_("The second record is merged into the first and then deleted. You can undo the merge later."),
            happens=[_("Participations, careers, return visits, registrations, documents and log entries move to "
                       "the kept record."),
                     _("Where both answered one event, the stronger registration is kept and the other deleted."),
                     _("The other email address becomes another address of the kept member.")],
            kept=[_("If both have accounts, the kept member's account stays linked; the other account stays but is "
                    "no longer linked to a member.")],
            action=request.path, button=_("Merge"), back=request.path, fields=choices)
    if request.method == "POST":
        try:
            done = merges.merge_members(kept, duplicate, choices=choices, actor=current_user)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(request.path)
        db.session.commit()
        flash(_("The two records are merged. You can undo this in the list of recent merges."), "info")
        return redirect(url_for("duplicates.pairs", merged=done.id))
    fields = [(f, FIELD_LABELS[f], _shown(f, getattr(kept, f)), _shown(f, getattr(duplicate, f)),
               getattr(kept, f) != getattr(duplicate, f)) for f in merges.MERGE_FIELDS]
    return render_template("duplicates/merge.html", kept=kept, duplicate=duplicate, fields=fields,
                           facts=(_facts(kept), _facts(duplicate)))


@bp.route("/merges/<int:merge_id>/undo", methods=["POST"])
@login_required
def undo(merge_id: int):
    _allowed()
    done = merges.get_merge(merge_id)
    if done is None:
        abort(404)
    if not is_confirmed():
        return ask_first(
            title=_("Undo this merge?"), subject=f"{done.duplicate_name} → {done.kept_name}",
            lead=_("Both members, their records and registrations are put back as they were before the merge."),
            happens=[_("The merged member is back, with their own records, account and registrations.")],
            action=request.path, button=_("Undo the merge"), back=url_for("duplicates.pairs"))
    try:
        merges.undo_merge(done, actor=current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("duplicates.pairs"))
    db.session.commit()
    flash(_("The merge is undone."), "info")
    return redirect(url_for("duplicates.pairs"))
