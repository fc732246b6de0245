"""The door: a camera page that reads tickets' QR codes (static/scan.js, with the browser's
BarcodeDetector where it has one) and opens the ticket's check-in page; the name search is the
fallback where the browser cannot read codes."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from alumni.permissions import can_check_in
from alumni.services import registrations as rsvc
from alumni.web.manage import managed_event

bp = Blueprint("door", __name__, url_prefix="/manage")


@bp.route("/events/<int:event_id>/scan")
@login_required
def scanner(event_id: int):
    event = managed_event(event_id, can_check_in)
    return render_template("manage/scanner.html", event=event, summary=rsvc.summarise(event))
