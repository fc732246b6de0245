"""A member's ORCID iD (issue 21): link it through ORCID's sign-in, review and import their
employments and educations, unlink it. The rules are in services/orcid.py; without ORCID settings
(ORCID_BASE_URL, ORCID_CLIENT_ID, ORCID_CLIENT_SECRET) every route here answers 404."""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from alumni.errors import Invalid, ServiceError
from alumni.extensions import db
from alumni.i18n import _, ngettext
from alumni.models.members import CAREER_ROLE_LABELS
from alumni.services import orcid, orcid_api
from alumni.web.confirm import ask_first, is_confirmed

bp = Blueprint("orcid", __name__)

#: The session key of the `state` sent with a sign-in: the answer must bring it back (CSRF).
STATE_KEY = "orcid_state"


@bp.before_request
def hidden_unless_configured():
    if not orcid_api.is_configured():
        abort(404)


def _own_member():
    member = current_user.member
    if member is None:
        abort(404)
    return member


def _back_to_me():
    return redirect(url_for("members.me") + "#orcid")


@bp.route("/me/orcid/link")
@login_required
def link():
    """Off to ORCID's sign-in, with a fresh `state` kept in this session."""
    _own_member()
    state = secrets.token_urlsafe(24)
    session[STATE_KEY] = state
    return redirect(orcid_api.authorize_url(state))


@bp.route("/me/orcid/callback")
@login_required
def callback():
    """ORCID sends the member back here with a code (or an error) and our `state`."""
    member = _own_member()
    expected = session.pop(STATE_KEY, None)
    given = request.args.get("state", "")
    if not expected or not secrets.compare_digest(expected, given):
        flash(_("This answer from ORCID does not belong to a link you started here, so nothing was linked. "
                "Please start again from your profile."), "error")
        return _back_to_me()
    if request.args.get("error"):
        flash(_("ORCID did not give access (you may have chosen Deny), so nothing was linked."), "error")
        return _back_to_me()
    try:
        link = orcid.link_orcid(member, request.args.get("code", ""), actor=current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back_to_me()
    db.session.commit()
    flash(_("Your ORCID iD %(orcid)s is linked. Choose what to import from it.", orcid=link.orcid), "info")
    return redirect(url_for("orcid.review"))


@bp.route("/me/orcid/import")
@login_required
def review():
    """What the member's ORCID record holds, to tick before anything is saved."""
    member = _own_member()
    link = orcid.link_of(member)
    if link is None:
        return _back_to_me()
    try:
        candidates = orcid.review_import(member)
    except ServiceError as error:
        flash(error.message, "error")
        return _back_to_me()
    return render_template("members/orcid_import.html", link=link, orcid_url=orcid.orcid_url(link),
                           candidates=candidates, roles=CAREER_ROLE_LABELS)


@bp.route("/me/orcid/import", methods=["POST"])
@login_required
def save():
    member = _own_member()
    roles = {key.removeprefix("role-"): value for key, value in request.form.items() if key.startswith("role-")}
    try:
        chosen = orcid.parse_choices(request.form.getlist("put_code"), roles)
        saved = orcid.import_affiliations(member, chosen, actor=current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("orcid.review")) if isinstance(error, Invalid) else _back_to_me()
    db.session.commit()
    flash(ngettext("%(num)d entry from ORCID was added to your career.",
                   "%(num)d entries from ORCID were added to your career.", len(saved)), "info")
    return redirect(url_for("members.me") + "#careers")


@bp.route("/me/orcid/unlink", methods=["POST"])
@login_required
def unlink():
    member = _own_member()
    link = orcid.link_of(member)
    if link is None:
        return _back_to_me()
    if not is_confirmed():
        return ask_first(
            title=_("Unlink your ORCID iD?"), subject=orcid.orcid_url(link),
            lead=_("Your record will no longer show this ORCID iD, and we forget the access ORCID gave us."),
            happens=[_("To import from ORCID again, you will link your iD again.")],
            kept=[_("The career entries you imported from ORCID stay in your record; edit or delete them as any "
                    "other. Your ORCID record itself is not changed.")],
            button=_("Unlink"), back=url_for("members.me") + "#orcid", action=url_for("orcid.unlink"))
    orcid.unlink_orcid(member, actor=current_user)
    db.session.commit()
    flash(_("Your ORCID iD is unlinked."), "info")
    return _back_to_me()
