"""Mail pages: the one-click unsubscribe link (public, signed, CSRF-exempt: the mail client posts
it, RFC 8058); the organizer's invitation page (audience, counts per language, previews, send);
the status of an event's mailings with a retry button; staff's list of held addresses."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from alumni.errors import ServiceError
from alumni.extensions import csrf, db
from alumni.forms import show_errors
from alumni.forms.events import ActionForm
from alumni.forms.invitations import AudienceForm
from alumni.i18n import _, language_name, ngettext
from alumni.models import MailAddressHold, Member
from alumni.permissions import can_invite, can_manage_mail_holds
from alumni.services import home, mail_keys, outbox
from alumni.services import invitations as isvc
from alumni.services.confirmations import messages_to_retry
from alumni.services.mailmerge import member_id_for_token
from alumni.web import pickers
from alumni.web.confirm import ask_first, is_confirmed
from alumni.web.manage import managed_event

F = TypeVar("F", bound=AudienceForm)

bp = Blueprint("mail", __name__)


# ---------------------------------------------------------------- unsubscribe (no login)
def _member_for(token: str) -> Member:
    member_id = member_id_for_token(token)
    member = db.session.get(Member, member_id) if member_id else None
    if member is None:
        abort(404)
    return member


@bp.route("/mail/unsubscribe/<token>", methods=["GET"])
def unsubscribe_page(token: str):
    """A button, not an action: link checkers that follow GETs must not unsubscribe anyone."""
    member = _member_for(token)
    return render_template("mail/unsubscribe.html", token=token, done=member.invitations_unsubscribed_at is not None,
                           action_form=ActionForm())


@bp.route("/mail/unsubscribe/<token>", methods=["POST"])
@csrf.exempt
def unsubscribe(token: str):
    """RFC 8058 one-click: the mail client POSTs List-Unsubscribe=One-Click here."""
    member = _member_for(token)
    isvc.unsubscribe(member)
    db.session.commit()
    return render_template("mail/unsubscribe.html", token=token, done=True, action_form=ActionForm())


@bp.route("/mail/subscribe/<token>", methods=["POST"])
def resubscribe(token: str):
    """Changed their mind (a form on our own page, so the CSRF token is checked)."""
    member = _member_for(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    isvc.resubscribe(member)
    db.session.commit()
    flash(_("You will receive invitations again."), "info")
    return redirect(url_for("mail.unsubscribe_page", token=token))


# ---------------------------------------------------------------- organizers
def _audience_form(event) -> AudienceForm:
    # On GET the criteria may come in the address (a bookmarked audience, the institution just
    # added); on POST from the form.
    form = AudienceForm(formdata=request.args) if request.method == "GET" and request.args else AudienceForm()
    return fill_audience_pickers(form, pickers.chapter_choices(first=event.chapter))


def fill_audience_pickers(form: F, chapters: list) -> F:
    """An audience's pickers (invitations, update rounds), every one by name: chapters as given,
    countries, programmes, cohort years and the Japanese host institutions."""
    form.chapter.choices = chapters
    form.countries.choices = pickers.country_choices()
    form.programmes.choices = pickers.programme_choices()
    form.fiscal_years.choices = pickers.fiscal_year_choices()
    form.host_institution.choices = pickers.institution_choices("JP", blank=_("Any host institution"))
    return form


def _audience_summary(count: isvc.AudienceCount, reason: str | None) -> dict:
    """What the page and its script show: the total, the split by language, why it is empty."""
    return {"total": count.total, "text": _("%(n)s members will receive it", n=count.total),
            "by_language": [{"language": lang, "name": language_name(lang), "count": n}
                            for lang, n in count.by_language.items()],
            "unsubscribed": count.unsubscribed, "reason": reason}


def preview_audience(audience: isvc.Audience, render: Callable[[str], outbox.OutboxRow]
                     ) -> tuple[isvc.AudienceCount, str | None, dict[str, outbox.OutboxRow]]:
    """What a page shows before a mailing to `audience` is sent: the count by language, why it
    is empty (or None), and the mail in each of its languages (`render(language)`)."""
    count = isvc.count_audience(audience)
    return count, isvc.empty_reason(audience, count), {lang: render(lang) for lang in count.by_language}


@bp.route("/manage/events/<int:event_id>/invite", methods=["GET", "POST"])
@login_required
def invite(event_id: int):
    """Choose the audience → see the count per language and the message in each → send."""
    event = managed_event(event_id, can_invite)
    form = _audience_form(event)
    if request.method == "GET" and "chapter" not in request.args:
        form.chapter.data = event.chapter.code
    count = previews = reason = None
    if form.validate_on_submit() or (request.method == "GET" and request.args):
        try:
            audience = isvc.clean_audience(form.audience_values())
            if request.method == "POST" and request.form.get("action") == "send":
                queued, skipped = isvc.queue_invitations(event, audience, actor=current_user)
                db.session.commit()
                flash(_("%(queued)s invitations queued, %(skipped)s skipped.", queued=queued, skipped=skipped), "info")
                return redirect(url_for("mail.status", event_id=event.id))
            count, reason, previews = preview_audience(audience, lambda lang: isvc.preview_invitation(event, lang))
        except ServiceError as error:
            db.session.rollback()
            show_errors(form, error, prefix="audience.")
    status = 422 if form.errors else 200
    return render_template("mail/invite.html", event=event, form=form, count=count, previews=previews,
                           reason=reason), status


@bp.route("/manage/events/<int:event_id>/invite/audience.json")
@login_required
def audience_count(event_id: int):
    """The audience's count, split by language, and why it is empty: what the invite page's
    script shows as the organizer picks (a GET: it changes nothing)."""
    event = managed_event(event_id, can_invite)
    form = _audience_form(event)
    try:
        audience = isvc.clean_audience(form.audience_values())
    except ServiceError as error:
        db.session.rollback()
        fields = {name.removeprefix("audience."): message for name, message in error.fields.items()}
        return jsonify({"error": {"code": error.code, "message": error.message, "fields": fields}}), 422
    count = isvc.count_audience(audience)
    return jsonify(_audience_summary(count, isvc.empty_reason(audience, count)))


def mailing_label(name: str) -> str:
    """An event mailing's name → "Reminders, 7 days before" (in the reader's language)."""
    parts = mail_keys.mailing_parts(name)
    if parts is None:
        return name
    if parts.kind == "invite":
        return _("Invitations")
    if parts.kind == "update":
        return _("Change of time or place (version %(n)s)", n=parts.number)
    if parts.kind == "reminder":
        return _("Reminders, %(n)s days before", n=parts.number)
    if parts.kind == "cancel":
        return _("Cancellation")
    if parts.kind == "seat":
        return _("Seats from the waitlist")
    if parts.kind == "feedback":
        return _("Feedback requests")
    return name


@bp.route("/manage/events/<int:event_id>/mail")
@login_required
def status(event_id: int):
    event = managed_event(event_id, can_invite)
    mailings = [(name, mailing_label(name), outbox.mailing_status(name)) for name in isvc.event_mailings(event)]
    queued = sum(st["queued"] for _name, _label, st in mailings)
    return render_template("mail/status.html", event=event, mailings=mailings, action_form=ActionForm(),
                           queued=queued, no_worker=home.mail_waits_for_worker(queued))


@bp.route("/manage/events/<int:event_id>/mail/retry", methods=["POST"])
@login_required
def retry(event_id: int):
    event = managed_event(event_id, can_invite)
    mailing = request.form.get("mailing", "")
    if not ActionForm().validate_on_submit() or mailing not in isvc.event_mailings(event):
        abort(400)
    if not is_confirmed():
        n = messages_to_retry(mailing)
        return ask_first(
            title=_("Send the failed messages again?"), subject=event.title, lead="",
            happens=[ngettext("%(num)d message that failed is queued again and sent by the mail worker.",
                              "%(num)d messages that failed are queued again and sent by the mail worker.", n),
                     _("Each recipient gets it at most once more; addresses on hold are left out.")],
            kept=[_("Messages already sent are not sent again. Mail that fails again stays listed as failed.")],
            button=_("Retry the failed ones"), back=url_for("mail.status", event_id=event.id),
            action=url_for("mail.retry", event_id=event.id), fields={"mailing": mailing})
    n = outbox.retry_failed(mailing)
    db.session.commit()
    flash(_("%(n)s messages queued again.", n=n), "info")
    return redirect(url_for("mail.status", event_id=event.id))


# ---------------------------------------------------------------- staff
@bp.route("/manage/mail/holds")
@login_required
def holds():
    if not can_manage_mail_holds(current_user):
        abort(403)
    rows = db.session.scalars(select(MailAddressHold).where(MailAddressHold.held).order_by(MailAddressHold.email))
    return render_template("mail/holds.html", holds=list(rows), action_form=ActionForm())


@bp.route("/manage/mail/holds/release", methods=["POST"])
@login_required
def release():
    if not can_manage_mail_holds(current_user):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    email = request.form.get("email", "")
    if not is_confirmed():
        return ask_first(
            title=_("Release this address?"), subject=email,
            lead=_("Release an address only after it was corrected: mail to it failed permanently twice."),
            happens=[_("Mail to this address is sent again from now on: new invitations, reminders and notices."),
                     _("If it fails permanently twice more, it is held again.")],
            kept=[_("Messages that already failed stay failed; retry them from the event's mail status page.")],
            button=_("Release"), back=url_for("mail.holds"), action=url_for("mail.release"),
            fields={"email": email})
    outbox.release_hold(email)
    db.session.commit()
    flash(_("The address will receive mail again."), "info")
    return redirect(url_for("mail.holds"))
