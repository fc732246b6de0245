"""Events as calendar items: the one adapter between the Event model and alumni.calendar, used
by the .ics routes, the feeds and the invitation mail alike."""
from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from flask import current_app

from alumni.calendar import CalendarItem, build_calendar, event_uid, to_ics
from alumni.models import Event, EventStatus


def calendar_item(event: Event, lang: str | None = None) -> CalendarItem:
    """The event in `lang` (falling back to the event's own language)."""
    title, description = event.text_in(lang)
    base = current_app.config["BASE_URL"]
    _name, sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return CalendarItem(
        uid=event_uid(event.id),
        summary=title,
        description=description,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        sequence=event.sequence,
        last_modified=event.updated_at,
        location=event.venue,
        url=f"{base}/events/{event.id}",
        online_url=event.online_url,
        cancelled=event.status == EventStatus.cancelled,
        all_day=getattr(event, "all_day", False),
        organizer_email=sender,
        organizer_name=event.chapter.name if event.chapter else "",
        categories=(event.kind.value,),
    )


def invitation_ics(event: Event, lang: str | None, attendee: tuple[str, str], *, stamp: datetime) -> tuple[str, str]:
    """(ics text, METHOD) for a mail about `event` to `attendee` (email, name): REQUEST for an
    invitation or update, CANCEL once the event is cancelled (RFC 5546)."""
    method = "CANCEL" if event.status == EventStatus.cancelled else "REQUEST"
    cal = build_calendar([calendar_item(event, lang)], stamp=stamp, method=method, attendee=attendee)
    return to_ics(cal).decode("utf-8"), method
