"""Documents on pages (issue 22): the public check of an issued document (/verify/d/{code}: what
it certifies, for whom, when issued, genuine and not revoked; a revoked code is answered 410, an
unknown one 404); downloads for logged-in members and organizers (the same rules as the API);
a delegate's request for an invitation letter; staff's list of letters, to issue or revoke."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from alumni.errors import NotFound, ServiceError
from alumni.extensions import db
from alumni.forms.events import ActionForm
from alumni.i18n import _
from alumni.models import Document, DocumentKind, Participation
from alumni.permissions import can_manage_documents, can_request_letter
from alumni.services import documents as dsvc
from alumni.services import registrations as rsvc
from alumni.services.events import get_event
from alumni.services.names import name_text, programme_name
from alumni.web.confirm import ask_first, is_confirmed

bp = Blueprint("documents", __name__)


@bp.route("/verify/d/<code>")
def verify(code: str):
    verdict = dsvc.verify(code)
    document = verdict.document
    status = 200 if verdict.genuine else 410 if verdict.revoked else 404
    subject = ""
    if document is not None and document.registration is not None:
        subject = document.registration.event.title
    elif document is not None and document.participation is not None:
        participation = document.participation
        subject = programme_name(participation.programme_code)
        if participation.host_institution is not None:
            subject += " · " + name_text(participation.host_institution, None)
    return render_template("documents/verify.html", verdict=verdict, doc=document, subject=subject), status


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _registration(registration_id: int):
    try:
        return rsvc.get_registration(registration_id)
    except NotFound:
        abort(404)


@bp.route("/registrations/<int:registration_id>/certificate.pdf")
@login_required
def attendance_certificate(registration_id: int):
    document = dsvc.attendance_certificate(_registration(registration_id), actor=current_user)
    data = dsvc.render_pdf(document)
    db.session.commit()
    return _pdf(data, f"attendance-{registration_id}.pdf")


@bp.route("/participations/<int:participation_id>/certificate.pdf")
@login_required
def participation_certificate(participation_id: int):
    participation = db.session.get(Participation, participation_id)
    if participation is None:
        abort(404)
    document = dsvc.participation_certificate(participation, actor=current_user)
    data = dsvc.render_pdf(document)
    db.session.commit()
    return _pdf(data, f"participation-{participation_id}.pdf")


@bp.route("/registrations/<int:registration_id>/invitation-letter", methods=["POST"])
@login_required
def request_letter(registration_id: int):
    reg = _registration(registration_id)
    if not can_request_letter(current_user, reg):
        abort(404)  # someone else's registration is not there for them (and its ticket stays unknown)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        dsvc.request_letter(reg, actor=current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Your request for an invitation letter is sent. Staff will issue it."), "info")
    return redirect(url_for("events.ticket", token=reg.ticket_token))


@bp.route("/registrations/<int:registration_id>/invitation-letter.pdf")
@login_required
def letter_pdf(registration_id: int):
    document = dsvc.letter_for(_registration(registration_id), actor=current_user)
    return _pdf(dsvc.render_pdf(document), f"invitation-letter-{registration_id}.pdf")


@bp.route("/manage/events/<int:event_id>/badges.pdf")
@login_required
def badges(event_id: int):
    return _pdf(dsvc.badges_pdf(get_event(event_id), actor=current_user), f"badges-{event_id}.pdf")


@bp.route("/manage/letters")
@login_required
def letters():
    """Staff: the invitation letters asked for and issued, newest first."""
    if not can_manage_documents(current_user):
        abort(403)
    items = db.session.scalars(sa.select(Document).where(Document.kind == DocumentKind.invitation_letter)
                               .order_by(Document.id.desc()).limit(200))
    return render_template("documents/letters.html", letters=list(items), action_form=ActionForm())


@bp.route("/manage/documents/<int:document_id>/<any(issue, revoke):action>", methods=["POST"])
@login_required
def change(document_id: int, action: str):
    document = dsvc.get_document(document_id, actor=current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "revoke" and not is_confirmed():
        return ask_first(title=_("Revoke this document?"), subject=document.code,
                         lead=_("Anyone checking its code will be told it is no longer valid."),
                         happens=[_("Its verification page will say it was revoked.")],
                         kept=[_("The record stays, with who revoked it and when.")],
                         action=url_for("documents.change", document_id=document_id, action=action),
                         button=_("Revoke"), back=url_for("documents.letters"))
    try:
        (dsvc.issue_letter if action == "issue" else dsvc.revoke)(document, actor=current_user)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The letter is issued.") if action == "issue" else _("The document is revoked."), "info")
    return redirect(url_for("documents.letters"))
