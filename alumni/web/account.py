"""Joining and account pages: sign-up, email confirmation, password reset, account claim,
password change, "download my data" and "delete my account"."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from alumni.errors import ServiceError
from alumni.extensions import db, limiter
from alumni.forms import show_errors
from alumni.forms.account import ChangePasswordForm, DeleteAccountForm, EmailForm, NewPasswordForm, SignupForm
from alumni.forms.events import ActionForm
from alumni.i18n import _
from alumni.services import email_change, membership, privacy
from alumni.services.account_mail import queue_account_mail, request_password_link_later
from alumni.services.links import LinkPurpose, read_link_token
from alumni.web.auth import account_and_client_key

bp = Blueprint("account", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_LIMIT_PER_ADDRESS"], methods=["POST"], scope="signup-address")
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("members.me"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            outcome = membership.sign_up(form.email.data, form.password.data, form.given_name.data,
                                         form.family_name.data, accept_privacy=form.accept_privacy.data)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            queue_account_mail(outcome)
            db.session.commit()
            # The same page whether or not the address was already registered.
            return render_template("account/check_mail.html", email=form.email.data.strip())
    return render_template("account/signup.html", form=form, privacy_version=privacy.NOTICE_VERSION), \
        (422 if request.method == "POST" else 200)


@bp.route("/me/privacy", methods=["POST"])
@login_required
def accept_privacy():
    """The member read the current privacy notice and accepts it (from their profile)."""
    member = current_user.member
    if member is None:
        abort(404)
    privacy.accept_notice(member)
    db.session.commit()
    flash(_("Thank you: you accepted the current privacy notice."), "info")
    return redirect(url_for("members.me") + "#privacy")


@bp.route("/verify/<token>")
def verify(token: str):
    try:
        membership.confirm_email(token)
    except ServiceError as error:
        db.session.rollback()
        return render_template("account/link_problem.html", message=error.message), 400
    db.session.commit()
    flash(_("Thank you: your email address is confirmed. You can log in now."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/email/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """The link mailed to a member's new address. Opening it shows what will change; the
    button applies it (a mail scanner that follows links changes nothing)."""
    try:
        _member, new_email = email_change.read_email_change_token(token)
    except ServiceError as error:
        return render_template("account/link_problem.html", message=error.message), 400
    form = ActionForm()
    if form.validate_on_submit():
        try:
            email_change.confirm_email_change(token)
        except ServiceError as error:
            db.session.rollback()
            return render_template("account/link_problem.html", message=error.message), error.status
        db.session.commit()
        flash(_("Your email address is now %(email)s.", email=new_email), "info")
        return redirect(url_for("members.me") if current_user.is_authenticated else url_for("auth.login"))
    return render_template("account/email_change.html", form=form, new_email=new_email), \
        (400 if request.method == "POST" else 200)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], methods=["POST"], scope="reset-address")
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ACCOUNT"], methods=["POST"], scope="reset-account",
               key_func=account_and_client_key)
def reset_request():
    form = EmailForm()
    if form.validate_on_submit():
        request_password_link_later(form.email.data)
        db.session.commit()
        return render_template("account/check_mail.html", email=form.email.data.strip())
    return render_template("account/reset_request.html", form=form), (422 if request.method == "POST" else 200)


def _commit_and_end_session(message: str, endpoint: str):
    """After a change that ends the account's sessions (new password, deletion): commit, log this
    browser out too, say so, and move on."""
    db.session.commit()
    logout_user()
    session.clear()
    flash(message, "info")
    return redirect(url_for(endpoint))


def _set_password_page(token: str, purpose: LinkPurpose, template: str):
    try:
        user = read_link_token(token, purpose)
    except ServiceError as error:
        return render_template("account/link_problem.html", message=error.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            membership.set_password_from_link(token, purpose, form.password.data)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            return _commit_and_end_session(_("Your password is set. Log in with it now."), "auth.login")
    return render_template(template, form=form, email=user.email), (422 if request.method == "POST" else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_with_link(token: str):
    return _set_password_page(token, LinkPurpose.reset, "account/reset_password.html")


@bp.route("/claim/<token>", methods=["GET", "POST"])
def claim(token: str):
    return _set_password_page(token, LinkPurpose.claim, "account/claim.html")


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            membership.change_password(current_user, form.current_password.data, form.password.data)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            return _commit_and_end_session(
                _("Your password is changed and your other sessions have ended. Log in again."), "auth.login")
    return render_template("account/change_password.html", form=form), (422 if request.method == "POST" else 200)


@bp.route("/me/export.json")
@login_required
def export_data():
    data = membership.export_member_data(current_user, current_user.member)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-sakura-alumni-data.json"'})


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            membership.delete_account(current_user._get_current_object(), form.password.data)
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            return _commit_and_end_session(_("Your account and your record have been deleted."), "main.index")
    return render_template("account/delete.html", form=form), (422 if request.method == "POST" else 200)
