"""The mails of account life (confirm, reset, claim, "already registered"): rendered from
templates/email/ in the recipient's language and queued in the outbox in the same transaction
as the change that made the link. A request never sends mail, during or after its response: the
`mail deliver` worker does (issue 23: work left after the response held the kept-alive
connection longer for a registered address). A password-link request is not even looked up by
the request: it stores the address typed (request_password_link_later) and the worker decides."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app

from alumni.extensions import db
from alumni.i18n import _, babel_locale, force_locale
from alumni.models import MailPurpose, MailRequest, User
from alumni.services import mail_keys
from alumni.services.links import LinkPurpose, make_link_token
from alumni.services.mail_limits import account_mail_allowed
from alumni.services.outbox import queue_message
from alumni.services.urls import external_url, home_url


#: What an account change asks to be mailed (membership's functions answer an Outcome; the
#: caller queues it here after the change). Defined here so that membership builds on this module.
class MailKind(enum.StrEnum):
    verify = "verify"
    #: Someone signed up with an address that already has an account: tell its owner.
    already_registered = "already_registered"
    reset = "reset"
    claim = "claim"


@dataclass
class Outcome:
    """Which account to mail, and what; the page answers the same whatever it is."""

    user: User | None
    mail: MailKind | None


#: The link each mail carries: its purpose and the page (endpoint) that reads it.
_LINK = {
    MailKind.verify: (LinkPurpose.verify, "account.verify"),
    MailKind.reset: (LinkPurpose.reset, "account.reset_with_link"),
    MailKind.claim: (LinkPurpose.claim, "account.claim"),
}


def _subject(kind: MailKind) -> str:
    subjects: dict[MailKind, str] = {
        MailKind.verify: _("Confirm your email for the Sakura Science Club"),
        MailKind.already_registered: _("You already have a Sakura Science Club account"),
        MailKind.reset: _("Set a new password for the Sakura Science Club"),
        MailKind.claim: _("Your Sakura Science Club record is waiting for you"),
    }
    return subjects[kind]


def link_for(user: User, kind: MailKind) -> str | None:
    if kind == MailKind.already_registered and user.email_verified_at is None:
        # An account not yet confirmed: its password may be someone else's (a sign-up made with
        # this address by another person). Whoever reads this mailbox chooses the password.
        kind = MailKind.reset
    if kind not in _LINK:
        return None
    purpose, endpoint = _LINK[kind]
    return external_url(endpoint, token=make_link_token(user, purpose))


def render_mail_template(template: str, /, **context: object) -> str:
    """Render without the page context processors: mail is also sent where there is no request
    (a worker, the CLI)."""
    return current_app.jinja_env.get_template(template).render(**context)


def queue_account_mail(outcome: Outcome) -> int | None:
    """Queue what the outcome asks for (nothing for an unknown address) in the caller's transaction;
    answers the outbox id. Flushes; the caller commits (the change and its mail together)."""
    user, kind = outcome.user, outcome.mail
    if user is None or kind is None:
        return None
    if not account_mail_allowed(user.email):
        return None  # a stranger may not make us mail one address without end; the page is alike
    member = user.member
    language = member.preferred_language if member is not None else "en"
    with force_locale(babel_locale(language)):
        context = {
            "name": member.display_name if member is not None else user.email,
            "link": link_for(user, kind),
            "base_url": home_url(),
            "login_url": external_url("auth.login"),
            "reset_url": external_url("account.reset_request"),
            "hours": current_app.config["RESET_LINK_MAX_AGE"] // 3600,
            "days": {MailKind.verify: current_app.config["VERIFY_LINK_MAX_AGE"],
                     MailKind.claim: current_app.config["CLAIM_LINK_MAX_AGE"]}.get(kind, 0) // 86400,
        }
        text = render_mail_template(f"email/{kind.value}.txt", **context)
        html = render_mail_template(f"email/{kind.value}.html", **context)
        subject = _subject(kind)
    # Each request is its own message (a second reset request sends a second link).
    return queue_message(dedup_key=mail_keys.account(kind.value, user.id), kind=f"account-{kind.value}",
                         purpose=MailPurpose.account, recipient=user.email,
                         member_id=member.id if member is not None else None,
                         language=language, subject=subject, text_body=text, html_body=html)


PASSWORD_LINK = "password-link"


def request_password_link_later(email: str) -> None:
    """"Forgot your password": store the address as typed, nothing else — no lookup, the same
    statement for every address — for the worker to resolve (mail_worker.resolve_requests).
    Flushes; the caller commits."""
    db.session.add(MailRequest(kind=PASSWORD_LINK, email=(email or "")[:320]))
    db.session.flush()
