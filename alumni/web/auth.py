"""Session login: the user loader and the login/logout pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from alumni.extensions import client_address, db, limiter, login_manager
from alumni.forms.auth import LoginForm
from alumni.i18n import _, _l
from alumni.models import User
from alumni.permissions import can_log_in
from alumni.services.account_mail import queue_account_mail
from alumni.services.accounts import authenticate
from alumni.services.membership import MailKind, Outcome, end_sessions
from alumni.services.validation import email_key

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")


_USER_FOR_SESSION = (select(User).options(joinedload(User.member), joinedload(User.chapter))
                     .where(User.id == bindparam("uid")))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session carries "id:version"; a bumped session_version ends older sessions."""
    try:
        uid, version = (int(part) for part in user_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    # The member and chapter the pages show come in the same statement (built once: every
    # logged-in request runs it).
    user = db.session.execute(_USER_FOR_SESSION, {"uid": uid}).unique().scalar_one_or_none()
    if user is None or user.session_version != version:
        return None
    return user


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect through ?next=."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("main.index")
    return target


def account_key() -> str:
    """The account a login or reset is about: the email typed, whether or not it exists."""
    typed = (request.form.get("email") or "")[:320]
    # The address as the services normalise it (IDNA, NFC, case), so another spelling of it shares
    # the count; text that is no address keys on itself, folded the same way.
    return "account:" + (email_key(typed) or typed.strip().lower())[:254]


def account_and_client_key() -> str:
    """The account and the client asking about it: one client's failures never hold up the
    owner coming from elsewhere (behind a proxy, the address comes from PROXY_HOPS)."""
    return account_key() + "|client:" + client_address()


def _failed(response) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], scope="login-address")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"], methods=["POST"],
               scope="login-account-client", key_func=account_and_client_key, deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], scope="login-account",
               key_func=account_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None and not can_log_in(user):
            # Only someone who knows the password gets here: telling them is no leak.
            queue_account_mail(Outcome(user, MailKind.verify))
            db.session.commit()
            flash(_("Please confirm your email address first: we have sent you a new link."), "error")
            return render_template("auth/login.html", form=form), 422
        if user is not None:
            db.session.commit()
            session.clear()  # a fresh session at login
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        db.session.commit()
        flash(_("That email and password do not match an account."), "error")
    return render_template("auth/login.html", form=form), (422 if request.method == "POST" else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # A copied session or remember-me cookie must not outlive the logout: moving the session
    # version on ends every session of the account, this one included.

    end_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))
