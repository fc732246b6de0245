"""The public check of an issued document (issue 22): anyone holding a certificate or letter opens
its verification URL (or scans its QR) and sees what it certifies, for whom, when it was issued,
and that it is genuine and not revoked. A revoked code is answered 410, an unknown one 404."""
from __future__ import annotations

from flask import Blueprint, render_template

from alumni.services import documents as dsvc
from alumni.services.names import name_text, programme_name

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
