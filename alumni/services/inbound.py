"""Inbound mail: a member's answer from their calendar program (iMIP, RFC 6047) becomes their RSVP.

Every invitation, update and reminder names as its ORGANIZER a reply address signed for that
member and event — `rsvp+<event>-<member>-<signature>@domain` under MAIL_REPLY_ADDRESS — and asks
for a reply (ATTENDEE;RSVP=TRUE). The calendar program (Thunderbird, Outlook, Apple Calendar,
Gmail) sends its METHOD:REPLY there; the MTA hands the message to `receive_message`, through
`flask mail receive` (a pipe) or `flask mail listen` (SMTP/LMTP on a local port).

The reply is applied through alumni.services.registrations.respond, as the event page's
buttons are (capacity, waitlist, deadline), and the member is told the result by mail in their
language. A message that is not a calendar reply, or whose signature, event or attendee does
not match, is logged and dropped: nothing is applied, nobody is mailed.

The signature is an HMAC of the event and member ids, in lower-case hex: mail systems may change
the case of an address's local part, so the token must survive it. Without MAIL_REPLY_ADDRESS
invitations ask for no reply (RSVP=FALSE) — a reply to an address nobody reads would be lost."""
from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr

from flask import current_app
from icalendar import Calendar
from icalendar.cal import Component

from alumni.calendar import event_uid
from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.i18n import _, babel_locale, force_locale
from alumni.models import Event, MailPurpose, Member, Registration, RegistrationStatus, Response
from alumni.services import mail_keys
from alumni.services import registrations as rsvc
from alumni.services.account_mail import render_mail_template
from alumni.services.outbox import queue_message
from alumni.services.registrations import waitlist_position
from alumni.services.urls import external_url, home_url

log = logging.getLogger(__name__)

#: iCalendar PARTSTAT (RFC 5545 §3.2.12) → the answer the event page would give.
PARTSTAT_RESPONSES = {"ACCEPTED": Response.yes, "DECLINED": Response.no, "TENTATIVE": Response.maybe}
SIGNATURE_HEX = 24  # 96 bits
#: Where a reply's token may be: the local part's "+" detail of a reply address.
_TOKEN = re.compile(rf"\+(\d{{1,10}})-(\d{{1,10}})-([0-9a-f]{{{SIGNATURE_HEX}}})@", re.IGNORECASE)
MAX_MESSAGE_BYTES = 5 * 1024 * 1024


# ---------------------------------------------------------------- the signed reply address
def replies_enabled() -> bool:
    return bool(current_app.config.get("MAIL_REPLY_ADDRESS"))


def _signature(event_id: int, member_id: int) -> str:
    key = ("imip-reply:" + current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{event_id}:{member_id}".encode(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]


def reply_address(event_id: int, member_id: int) -> str:
    """The ORGANIZER address of `member_id`'s invitation to `event_id`."""
    local, _at, domain = current_app.config["MAIL_REPLY_ADDRESS"].partition("@")
    return f"{local}+{event_id}-{member_id}-{_signature(event_id, member_id)}@{domain}"


def read_reply_address(address: str) -> tuple[int, int] | None:
    """(event id, member id) of a reply address whose signature holds, else None."""
    match = _TOKEN.search(address or "")
    if match is None:
        return None
    event_id, member_id, signature = int(match[1]), int(match[2]), match[3].lower()
    if not hmac.compare_digest(signature, _signature(event_id, member_id)):
        return None
    return event_id, member_id


# ---------------------------------------------------------------- receiving
@dataclass(frozen=True)
class Received:
    """What became of one inbound message: `applied` (the RSVP was recorded), `refused` (the
    reply was genuine but a rule said no; the member is told why), or `dropped` (not a
    calendar reply, malformed, forged or unmatched: nothing done). `reason` says which, for the log."""

    outcome: str
    reason: str
    registration_id: int | None = None
    status: str | None = None

    def __str__(self) -> str:
        status = f" status={self.status}" if self.status else ""
        return f"{self.outcome}: {self.reason}{status}"


def _drop(reason: str, **context: object) -> Received:
    log.warning("inbound mail dropped: %s %s", reason, context or "")
    return Received("dropped", reason)


def _calendar_parts(message: Message) -> list[bytes]:
    """Every text/calendar (or .ics attachment) part, decoded from its transfer encoding."""
    parts: list[bytes] = []
    for part in message.walk():
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in ("text/calendar", "application/ics") or (kind == "application/octet-stream" and name.endswith(".ics")):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload:
                parts.append(payload)
    return parts


def _reply_event(raw_ics: bytes) -> Component | None:
    """The VEVENT of a METHOD:REPLY calendar, or None."""
    try:
        cal = Calendar.from_ical(raw_ics.decode("utf-8", errors="replace"))
    except (ValueError, IndexError, KeyError):
        return None
    if str(cal.get("method", "")).strip().upper() != "REPLY":
        return None
    events = list(cal.walk("VEVENT"))
    return events[0] if len(events) == 1 else None


def _mailto(value: object) -> str:
    text = str(value or "").strip()
    return (text[7:] if text.lower().startswith("mailto:") else text).strip().lower()


def receive_message(raw: bytes, *, recipients: tuple[str, ...] | list[str] = ()) -> Received:
    """Apply one inbound message (as bytes, as the MTA delivers it). `recipients`: the SMTP
    envelope's, where known. Flushes; the caller commits."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return _drop("too large", size=len(raw))
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        calendars = _calendar_parts(message)
        sender = parseaddr(str(message.get("From", "")))[1].lower()
        header_addresses = [a for _n, a in getaddresses([str(v) for h in ("To", "Cc", "Delivered-To", "X-Original-To")
                                                         for v in message.get_all(h, [])])]
    except Exception as exc:  # the email package raises many kinds on broken input
        return _drop("malformed message", error=repr(exc)[:200])
    reply = next((vevent for vevent in map(_reply_event, calendars) if vevent is not None), None)
    if reply is None:
        return _drop("not a calendar reply (no text/calendar part with METHOD:REPLY)", sender=sender)

    # The token: the ORGANIZER the reply echoes (RFC 5546 requires it), else the address it was sent to.
    candidates = [_mailto(reply.get("organizer")), *recipients, *header_addresses]
    ids = next((found for found in map(read_reply_address, candidates) if found is not None), None)
    if ids is None:
        return _drop("no validly signed reply address", sender=sender, candidates=candidates[:5])
    event_id, member_id = ids
    event = db.session.get(Event, event_id)
    member = db.session.get(Member, member_id)
    if event is None or member is None:
        return _drop("the event or the member no longer exists", event=event_id, member=member_id)
    if str(reply.get("uid", "")).strip() != event_uid(event.id):
        return _drop("the reply is about another calendar entry", event=event_id, uid=str(reply.get("uid", "")))

    attendees = reply.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    mine = [a for a in attendees if _mailto(a) == member.email.lower()]
    if not mine and sender == member.email.lower() and len(attendees) == 1:
        mine = attendees  # the program replied with another address of the same mailbox
    if not mine:
        return _drop("the attendee is not the invited member", event=event_id, member=member_id,
                     attendees=[_mailto(a) for a in attendees][:5], sender=sender)
    partstat = str(mine[0].params.get("PARTSTAT", "")).upper()
    response = PARTSTAT_RESPONSES.get(partstat)
    if response is None:
        return _drop("no answer in the reply", partstat=partstat, event=event_id, member=member_id)
    return _apply_reply(event, member, partstat, response)


def _apply_reply(event: Event, member: Member, partstat: str, response: Response) -> Received:
    """Record the member's answer from their calendar (keeping the institution and side they gave
    before), and tell them what came of it."""
    existing = rsvc.find_registration(event, member)
    try:
        # respond checks every rule before it writes anything: a refusal leaves nothing to undo.
        outcome = rsvc.respond(event, member, response.value,
                               institution_id=existing.institution_id if existing else None,
                               side=existing.side if existing else None)
    except ServiceError as error:
        log.info("calendar reply refused: event=%s member=%s %s", event.id, member.id, error.message)
        _queue_answer_mail(event, member, None, refusal=error.message)
        return Received("refused", error.message)
    registration = outcome.registration
    log.info("calendar reply applied: event=%s member=%s partstat=%s status=%s",
             event.id, member.id, partstat, registration.status.value)
    _queue_answer_mail(event, member, registration)
    return Received("applied", f"{partstat} → {response.value}", registration.id, registration.status.value)


# ---------------------------------------------------------------- telling the member
def _answer_sentence(registration: Registration | None, refusal: str | None) -> str:
    if refusal is not None or registration is None:
        return str(_("Your answer from your calendar could not be recorded: %(reason)s", reason=refusal or ""))
    status = registration.status
    if status == RegistrationStatus.waitlisted:
        return str(_("The event is full: you are on the waitlist, number %(n)d. We will write to you if a seat "
                 "becomes free.", n=waitlist_position(registration) or 0))
    if status == RegistrationStatus.yes:
        return str(_("You are registered. Your ticket is ready on the event's page."))
    if status == RegistrationStatus.maybe:
        return str(_("We noted that you may come."))
    return str(_("We noted that you will not come."))


def _queue_answer_mail(event: Event, member: Member, registration: Registration | None, *,
                       refusal: str | None = None) -> None:
    """"We recorded your answer" (or why not), in the member's language."""
    language = member.preferred_language or "en"
    with force_locale(babel_locale(language)):
        title, _description = event.text_in(language)
        context = {"name": member.display_name, "title": title, "sentence": _answer_sentence(registration, refusal),
                   "event_url": external_url("events.detail", event_id=event.id), "base_url": home_url()}
        text = render_mail_template("email/calendar_reply.txt", **context)
        html = render_mail_template("email/calendar_reply.html", **context)
        subject = _("Your answer: %(title)s", title=title)
    queue_message(dedup_key=mail_keys.calendar_reply(event.id, member.id), kind="calendar-reply",
                  purpose=MailPurpose.calendar_reply, recipient=member.email, member_id=member.id,
                  event_id=event.id, language=language, subject=subject,
                  text_body=text, html_body=html)


__all__ = ["Received", "read_reply_address", "receive_message", "replies_enabled", "reply_address"]
