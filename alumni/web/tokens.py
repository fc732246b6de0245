"""API tokens on the pages: a member's own list (revoke one, or log out everywhere, which
revokes them all) and the staff list of every live token. Revoking is a plain POST form with a
clear label; nothing here needs script."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from alumni.extensions import db
from alumni.forms.events import ActionForm
from alumni.i18n import _, ngettext
from alumni.models.accounts import ROLE_LABELS, TOKEN_STATE_LABELS
from alumni.permissions import is_staff
from alumni.services import membership, tokens
from alumni.services.paging import paginate
from alumni.web.confirm import ask_first, is_confirmed

bp = Blueprint("tokens", __name__)
PER_PAGE = 50


@bp.context_processor
def labels() -> dict:
    return {"TOKEN_STATE_LABELS": TOKEN_STATE_LABELS, "ROLE_LABELS": ROLE_LABELS}


@bp.route("/me/tokens")
@login_required
def mine():
    return render_template("account/tokens.html", tokens=tokens.list_tokens(current_user),
                           action_form=ActionForm())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """The owner or staff revoke one token; anyone else gets the same 404 as for no token."""
    token = tokens.token_for(current_user, token_id)
    own = token.user_id == current_user.id
    back = url_for("tokens.mine") if own else url_for("tokens.staff_list")
    if not is_confirmed():
        return ask_first(
            title=_("Revoke this token?"), subject=_("Token #%(id)s", id=token.id), lead="",
            happens=[_("Every program that uses this token gets 401 from its next call on.")],
            kept=[_("The token stays listed as revoked; it cannot be used again.")],
            button=_("Revoke token #%(id)s", id=token.id), back=back,
            action=url_for("tokens.revoke", token_id=token.id))
    if tokens.revoke_token(token, actor=current_user):
        flash(_("Token #%(id)s is revoked: it no longer opens anything.", id=token.id), "info")
    db.session.commit()
    return redirect(back)


@bp.route("/me/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of the account, this one included, and revoke every API token."""
    if not is_confirmed():
        return ask_first(
            title=_("Log out everywhere?"), lead="",
            happens=[_("Every browser where you are logged in is logged out, this one included."),
                     _("All your API tokens are revoked: programs that use them get 401.")],
            kept=[_("Your record and your answers to events are not touched.")],
            button=_("Log out everywhere and revoke all tokens"), back=url_for("tokens.mine"),
            action=url_for("tokens.logout_everywhere"))
    count = membership.log_out_everywhere(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(ngettext("You are logged out everywhere, and %(num)d API token is revoked.",
                   "You are logged out everywhere, and %(num)d API tokens are revoked.", count), "info")
    return redirect(url_for("main.index"))


@bp.route("/staff/tokens")
@login_required
def staff_list():
    if not is_staff(current_user):
        abort(403)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)
    items, total = paginate(tokens.live_tokens(), page, PER_PAGE)
    return render_template("staff/tokens.html", tokens=items, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), action_form=ActionForm())
