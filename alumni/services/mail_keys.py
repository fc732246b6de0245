"""The one place that writes the outbox's strings: dedup keys (what makes a message go once) and
mailing names (messages sent together, the status page's unit).

Nothing reads a key back for its parts: the event, the member and the purpose of a message are
columns of OutgoingMail. Mailing names are read back here only (`mailing_parts`), to label them.

- invite:{event}:{member}              once per member and event
- reminder:{days}d:{event}:{member}    once per reminder window
- update:{event}:{sequence}:{member}   once per change (the SEQUENCE the calendar sees)
- cancel:{event}:{member}              once
- seat:{registration}:{promoted_at}    once per promotion
- offer:{registration}:{expires_at}    once per offer of a seat
- feedback:{event}:{member}            once per member and event (the feedback request)
- account:{kind}:{user}:{unique}       every request is its own message
- {template}:{member}:{address}:{day}  a confirmation and a notice a day per new address
- calendar-reply:{event}:{member}:{unique}
- round:{round}:{member}                an update round's request, once per member and round
- round-reminder:{round}:{member}       its one reminder
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

PREVIEW = "preview"


def _unique() -> str:
    return uuid.uuid4().hex


# ---------------------------------------------------------------- dedup keys
def invitation(event_id: int, member_id: int) -> str:
    return f"invite:{event_id}:{member_id}"


def reminder(event_id: int, member_id: int, days: int) -> str:
    return f"reminder:{days}d:{event_id}:{member_id}"


def update(event_id: int, member_id: int, sequence: int) -> str:
    return f"update:{event_id}:{sequence}:{member_id}"


def cancellation(event_id: int, member_id: int) -> str:
    return f"cancel:{event_id}:{member_id}"


def promotion(registration_id: int, promoted_at: datetime) -> str:
    return f"seat:{registration_id}:{int(promoted_at.timestamp())}"


def offer(registration_id: int, expires_at: datetime) -> str:
    return f"offer:{registration_id}:{int(expires_at.timestamp())}"


def feedback(event_id: int, member_id: int) -> str:
    return f"feedback:{event_id}:{member_id}"


def account(kind: str, user_id: int) -> str:
    return f"account:{kind}:{user_id}:{_unique()}"


def email_change(template: str, member_id: int, address: str, day: date) -> str:
    return f"{template}:{member_id}:{address}:{day.isoformat()}"


def calendar_reply(event_id: int, member_id: int) -> str:
    return f"calendar-reply:{event_id}:{member_id}:{_unique()}"


def update_round(round_id: int, member_id: int) -> str:
    return f"round:{round_id}:{member_id}"


def round_reminder(round_id: int, member_id: int) -> str:
    return f"round-reminder:{round_id}:{member_id}"


# ---------------------------------------------------------------- mailings
def round_mailing(round_id: int, *, reminder: bool = False) -> str:
    return f"round:{round_id}:reminder" if reminder else f"round:{round_id}"


def round_of_mailing(name: str) -> int | None:
    """The update round whose first request a mailing name (`round_mailing`) is; None for any
    other name (its reminders included)."""
    parts = name.split(":")
    return int(parts[1]) if len(parts) == 2 and parts[0] == "round" and parts[1].isdigit() else None


def invitation_mailing(event_id: int) -> str:
    return f"event:{event_id}:invite"


def update_mailing(event_id: int, sequence: int) -> str:
    return f"event:{event_id}:update:{sequence}"


def reminder_mailing(event_id: int, days: int) -> str:
    return f"event:{event_id}:reminder:{days}d"


def cancellation_mailing(event_id: int) -> str:
    return f"event:{event_id}:cancel"


def promotion_mailing(event_id: int) -> str:
    return f"event:{event_id}:seat"


def offer_mailing(event_id: int) -> str:
    return f"event:{event_id}:offer"


def feedback_mailing(event_id: int) -> str:
    return f"event:{event_id}:feedback"


@dataclass(frozen=True)
class MailingParts:
    """An event mailing's name, read back: `kind` is invite, update, reminder, cancel, seat, offer or feedback;
    `number` the update's version or the reminder's days before (None for the others)."""

    kind: str
    number: int | None = None


def mailing_parts(name: str) -> MailingParts | None:
    """The parts of an event mailing's name (None for a name this module did not write)."""
    parts = name.split(":")
    if len(parts) < 3 or parts[0] != "event" or not parts[1].isdigit():
        return None
    kind, detail = parts[2], parts[3] if len(parts) > 3 else ""
    if kind in ("invite", "cancel", "seat", "offer", "feedback") and not detail:
        return MailingParts(kind)
    number = detail.removesuffix("d") if kind == "reminder" else detail
    if kind in ("update", "reminder") and number.isdigit():
        return MailingParts(kind, int(number))
    return None
