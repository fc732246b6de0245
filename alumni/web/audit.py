"""The audit log on pages: per member (staff, on the member page), per event (its organizers and
staff, under /manage) and for the member themselves (on /me: what was done to their record)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from alumni.formatting import moment_short, zone_label
from alumni.i18n import _, _l, country_name, language_name
from alumni.models import AuditEntry, User
from alumni.models.accounts import ROLE_LABELS
from alumni.models.members import CAREER_ROLE_LABELS, VISIBILITY_LABELS
from alumni.models.privacy import CONSENT_LABELS, ConsentKind
from alumni.permissions import can_view_audit
from alumni.services import audit as svc
from alumni.services.paging import page_number
from alumni.web.manage import managed_event

bp = Blueprint("audit", __name__)
PER_PAGE = 25

#: What each action is called on a page (the API gives the dotted name).
ACTION_LABELS = {
    "member.created": _l("Record created"),
    "member.updated": _l("Record changed"),
    "member.deleted": _l("Record deleted"),
    "participation.added": _l("Programme participation added"),
    "participation.updated": _l("Programme participation changed"),
    "participation.deleted": _l("Programme participation deleted"),
    "career.added": _l("Career entry added"),
    "career.updated": _l("Career entry changed"),
    "career.deleted": _l("Career entry deleted"),
    "return.added": _l("Return to Japan added"),
    "return.updated": _l("Return to Japan changed"),
    "return.deleted": _l("Return to Japan deleted"),
    "event.created": _l("Event created"),
    "event.updated": _l("Event changed"),
    "event.published": _l("Event published"),
    "event.cancelled": _l("Event cancelled"),
    "registration.answered": _l("Answer given or changed"),
    "registration.withdrawn": _l("Registration withdrawn"),
    "question.added": _l("Registration question added"),
    "question.changed": _l("Registration question changed"),
    "question.moved": _l("Registration question moved"),
    "question.deleted": _l("Registration question deleted"),
    "answers.deleted": _l("Answers to the registration questions deleted (retention period over)"),
    "registration.promoted": _l("Seat given from the waitlist"),
    "registration.offered": _l("Seat offered from the waitlist"),
    "registration.offer_taken": _l("Offered seat taken"),
    "registration.offer_declined": _l("Offered seat declined"),
    "registration.offer_lapsed": _l("Offered seat not taken in time"),
    "registration.checked_in": _l("Checked in at the door"),
    "invitations.sent": _l("Invitations sent"),
    "invitations.unsubscribed": _l("Invitations by mail turned off"),
    "invitations.resubscribed": _l("Invitations by mail turned on"),
    "calendar.feed_reset": _l("Private calendar address replaced"),
    "calendar.alarm_set": _l("Calendar reminder changed"),
    "account.created": _l("Account created"),
    "account.password_set": _l("Password set"),
    "account.logged_out_everywhere": _l("Logged out everywhere"),
    "consent.given": _l("Consent given"),
    "consent.withdrawn": _l("Consent withdrawn"),
    "email.change_requested": _l("New email address asked for"),
    "email.change_cancelled": _l("Email address change cancelled"),
    "email.changed": _l("Email address changed"),
    "token.issued": _l("API token issued"),
    "token.revoked": _l("API token revoked"),
}


#: What a changed field is called on the page (the labels of the forms where they exist); a field
#: not listed shows its name.
FIELD_LABELS = {
    "email": _l("Email"), "given_name": _l("Given name"), "family_name": _l("Family name"),
    "native_name": _l("Name in your own script"), "family_name_first": _l("Family name first"),
    "country": _l("Country"), "preferred_language": _l("Preferred language"), "timezone": _l("Time zone"),
    "field": _l("Field of research or study"), "visibility": _l("Who can find me in the directory"),
    "programme": _l("Programme"), "fiscal_year": _l("Fiscal year"), "direction": _l("Direction"),
    "start_date": _l("Start"), "end_date": _l("End"), "host_institution_id": _l("Host institution"),
    "sending_institution_id": _l("Sending institution"), "institution_id": _l("Institution"),
    "organisation": _l("Organisation"), "role": _l("Role"), "title": _l("Title"), "purpose": _l("Purpose"),
    "kind": _l("Kind"), "description": _l("Description"), "language": _l("Language"),
    "translations": _l("Translations"), "starts_at": _l("Starts"), "ends_at": _l("Ends"),
    "all_day": _l("All-day event (whole days)"), "venue": _l("Venue"), "online_url": _l("Online link"),
    "capacity": _l("Capacity"), "side_quotas": _l("Seats per side (forums)"),
    "registration_deadline": _l("Registration deadline"), "chapter_id": _l("Chapter"), "status": _l("Status"),
    "answer": _l("Answer"), "side": _l("Side"), "checked_in_at": _l("Checked in"),
    "password_set": _l("Password"), "tokens_revoked": _l("API tokens"), "revoked_at": _l("Revoked"),
    "user_id": _l("Account"), "version": _l("Version"), "privacy_notice": CONSENT_LABELS[ConsentKind.privacy_notice],
    "directory_listing": CONSENT_LABELS[ConsentKind.directory_listing],
}
#: Values stored as codes, shown by their labels (account roles, career roles, directory visibility).
VALUE_LABELS: dict[str, dict[str, object]] = {
    "role": {**{r.value: label for r, label in ROLE_LABELS.items()},
             **{r.value: label for r, label in CAREER_ROLE_LABELS.items()}},
    "visibility": {v.value: label for v, label in VISIBILITY_LABELS.items()},
}


@dataclass
class Row:
    at: str
    who: str
    what: str
    changes: list[tuple[str, str, str]]


@dataclass
class Table:
    rows: list[Row]
    total: int
    page: int
    pages: int
    zone: str
    prev_url: str | None = None
    next_url: str | None = None


def _value(value: object, field: str = "", zone: str = "UTC") -> str:
    """A before or after value as the reader reads it: zones by their name, moments in the
    reader's zone and language, yes/no, lists joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(v, field, zone) for v in value) or "—"
    if isinstance(value, str) and value in VALUE_LABELS.get(field, {}):
        return str(VALUE_LABELS[field][value])
    if isinstance(value, str) and field in ("country", "sending_country"):
        return country_name(value) or value
    if isinstance(value, str) and field in ("preferred_language", "language"):
        return language_name(value) or value
    if isinstance(value, str) and field in ("timezone", "zone"):
        try:
            return zone_label(value)
        except (ValueError, LookupError):
            return value
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return moment_short(datetime.fromisoformat(value), zone)
        except ValueError:
            return value
    return str(value)


def _who(entry: AuditEntry, viewer: User, own: bool) -> str:
    """Staff see who it was; a member reading their own record sees "You", or "Club staff" and
    "An event organizer" (staff accounts are not named to members)."""
    if entry.actor_id is None and not entry.actor_name:
        return _("The system")
    if entry.actor_id is not None and entry.actor_id == viewer.id:
        return _("You")
    if own:
        return {"staff": _("Club staff"), "organizer": _("An event organizer")}.get(
            entry.actor_role or "", _("Another member"))
    return entry.actor_name or _("A deleted account")


def audit_table(endpoint: str, url_args: dict, *, viewer: User, member_id: int | None = None,
                event_id: int | None = None, own: bool = False, page_arg: str = "page") -> Table:
    """One page of the log as rows to show, times in the viewer's zone and language; the pager
    links to `endpoint` with `url_args` and the page in `page_arg`."""
    page = page_number(request.args.get(page_arg), page_arg)
    found = svc.entries(member_id=member_id, event_id=event_id, page=page, per_page=PER_PAGE)
    member = getattr(viewer, "member", None)
    zone = member.timezone if member is not None and member.timezone else "UTC"
    tz, locale = ZoneInfo(zone), get_locale()
    rows = [Row(at=format_datetime(e.at, "medium", tzinfo=tz, locale=locale),
                who=_who(e, viewer, own),
                what=str(ACTION_LABELS.get(e.action, e.action)),
                changes=[(str(FIELD_LABELS.get(field, field)), _value(ba[0] if ba else None, field, zone),
                          _value(ba[1] if len(ba) > 1 else None, field, zone))
                         for field, ba in sorted(e.changes.items())])
            for e in found.items]
    pages = max((found.total + PER_PAGE - 1) // PER_PAGE, 1)

    def link(n: int) -> str:
        args: dict[str, Any] = {**url_args, page_arg: n}
        return url_for(endpoint, **args) + ("#audit" if page_arg != "page" else "")

    return Table(rows, found.total, page, pages, zone_label(zone), link(page - 1) if page > 1 else None,
                 link(page + 1) if page < pages else None)


def staff_member_audit(member_id: int) -> Table | None:
    """The member page's section for staff (None for anyone else)."""
    if not current_user.is_authenticated or not can_view_audit(current_user, member=member_id, event=None):
        return None
    return audit_table("members.member_page", {"member_id": member_id}, viewer=current_user, member_id=member_id,
                       page_arg="audit_page")


def own_audit(member_id: int) -> Table:
    """/me: what was done to the member's own record."""
    return audit_table("members.me", {}, viewer=current_user, member_id=member_id, own=True, page_arg="audit_page")


@bp.route("/manage/events/<int:event_id>/audit")
@login_required
def event_audit(event_id: int):
    event = managed_event(event_id, lambda user, ev: can_view_audit(user, event=ev))
    return render_template("manage/audit.html", event=event,
                           table=audit_table("audit.event_audit", {"event_id": event.id}, viewer=current_user,
                                             event_id=event.id))

