"""Calendar replies (iMIP, RFC 6047): the invitation's ORGANIZER is a reply address signed for
the member; the REPLY a calendar program sends there becomes the member's RSVP through the same
service the event page uses (waitlist included), and the member is told by mail. Forged,
unmatched and malformed messages change nothing.

The messages below follow the shapes the programs send: Thunderbird (Lightning) a multipart/mixed
with a text/plain note, an inline `text/calendar; method=REPLY` part and the same calendar as an
`invite.ics` attachment; Outlook (Exchange) a multipart/alternative with text/plain, text/html and
a base64 `text/calendar; method=REPLY` part, a "Accepted: …" subject, an upper-case MAILTO: and
its X-MICROSOFT-CDO properties."""
from __future__ import annotations

import base64
import smtplib
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from alumni.calendar import event_uid
from alumni.extensions import db
from alumni.models import OutgoingMail, Registration, RegistrationStatus
from alumni.services import invitations as isvc
from alumni.services import registrations as rsvc
from alumni.services.inbound import read_reply_address, receive_message, reply_address
from tests.factories import make_event, make_member
from tests.smtp import free_port


def invite(member, **event_values):
    """Invite `member` to a new event; answers (event, the invitation's VEVENT as the member's
    calendar program reads it)."""
    event = make_event("IN", **event_values)
    isvc.queue_invitations(event, isvc.clean_audience({"countries": [member.country]}))
    db.session.commit()
    row = db.session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == member.email,
                                                       OutgoingMail.kind == "invitation"))
    [vevent] = Calendar.from_ical(row.ics).walk("VEVENT")
    return event, vevent


def reply_calendar(vevent, attendee: str, partstat: str, *, prodid: str, upper_mailto: bool = False,
                   extra: str = "") -> str:
    """The REPLY a calendar program writes: the invitation's UID, SEQUENCE and ORGANIZER echoed,
    one ATTENDEE with its PARTSTAT."""
    organizer = str(vevent["organizer"])
    mailto = "MAILTO:" if upper_mailto else "mailto:"
    if upper_mailto:
        organizer = "MAILTO:" + organizer[len("mailto:"):]
    lines = [
        "BEGIN:VCALENDAR", f"PRODID:{prodid}", "VERSION:2.0", "METHOD:REPLY", "BEGIN:VEVENT",
        f"UID:{vevent['uid']}", "DTSTAMP:20261128T090000Z", f"SEQUENCE:{vevent.get('sequence', 0)}",
        f"SUMMARY:{vevent['summary']}",
        f"ORGANIZER;CN=\"{vevent['organizer'].params.get('CN', '')}\":{organizer}",
        f"ATTENDEE;PARTSTAT={partstat};CN=Priya Sharma:{mailto}{attendee}",
        "DTSTART:20270123T123000Z", *([extra] if extra else []), "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def thunderbird_reply(vevent, sender: str, partstat: str = "ACCEPTED", *, to: str | None = None) -> bytes:
    ics = reply_calendar(vevent, sender, partstat, prodid="-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN")
    verb = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}[partstat]
    to = to or str(vevent["organizer"])[len("mailto:"):]
    return (
        f"From: Priya Sharma <{sender}>\r\nTo: {to}\r\nSubject: {verb}: {vevent['summary']}\r\n"
        "Date: Sat, 28 Nov 2026 09:00:00 +0000\r\nMessage-ID: <tb-1@example.org>\r\nMIME-Version: 1.0\r\n"
        "User-Agent: Mozilla Thunderbird\r\n"
        'Content-Type: multipart/mixed; boundary="------------tb0123456789"\r\n\r\n'
        "This is a multi-part message in MIME format.\r\n"
        "--------------tb0123456789\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"Priya Sharma has {verb.lower()} your event invitation.\r\n\r\n"
        "--------------tb0123456789\r\nContent-Type: text/calendar; charset=UTF-8; method=REPLY\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{ics}\r\n"
        "--------------tb0123456789\r\nContent-Type: application/ics; name=\"invite.ics\"\r\n"
        "Content-Disposition: attachment; filename=\"invite.ics\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.encodebytes(ics.encode()).decode()}\r\n"
        "--------------tb0123456789--\r\n"
    ).encode()


def outlook_reply(vevent, sender: str, partstat: str = "ACCEPTED") -> bytes:
    ics = reply_calendar(vevent, sender, partstat, prodid="Microsoft Exchange Server 2010", upper_mailto=True,
                         extra="X-MICROSOFT-CDO-APPT-SEQUENCE:0\r\nX-MICROSOFT-CDO-OWNERAPPTID:-1\r\n"
                               "CLASS:PUBLIC\r\nPRIORITY:5\r\nTRANSP:OPAQUE\r\nSTATUS:CONFIRMED")
    verb = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}[partstat]
    organizer = str(vevent["organizer"])[len("mailto:"):]
    body = base64.encodebytes(ics.encode()).decode()
    return (
        f"From: Priya Sharma <{sender}>\r\nTo: \"{vevent['organizer'].params.get('CN', '')}\" <{organizer}>\r\n"
        f"Subject: {verb}: {vevent['summary']}\r\nThread-Topic: {vevent['summary']}\r\n"
        "Date: Sat, 28 Nov 2026 09:00:00 +0000\r\nMessage-ID: <PN2P@outlook.com>\r\nMIME-Version: 1.0\r\n"
        "X-MS-Has-Attach:\r\nX-MS-TNEF-Correlator:\r\nContent-Language: en-US\r\n"
        'Content-Type: multipart/alternative; boundary="_000_PN2P_"\r\n\r\n'
        "--_000_PN2P_\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\n\r\n"
        "--_000_PN2P_\r\nContent-Type: text/html; charset=\"us-ascii\"\r\n\r\n<html><body></body></html>\r\n"
        "--_000_PN2P_\r\nContent-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{body}\r\n--_000_PN2P_--\r\n"
    ).encode("ascii")


def registration(event, member) -> Registration | None:
    db.session.expire_all()
    return db.session.scalar(select(Registration).where(Registration.event_id == event.id,
                                                        Registration.member_id == member.id))


def replies_queued() -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "calendar-reply")))


# ---------------------------------------------------------------- the address
def test_reply_address_is_signed_for_the_event_and_member_and_survives_case_changes():
    address = reply_address(12, 345)
    assert address.startswith("rsvp+12-345-") and address.endswith("@alumni.test")
    assert read_reply_address(address) == (12, 345)
    assert read_reply_address(address.upper()) == (12, 345)
    assert read_reply_address(address.replace("rsvp+12-", "rsvp+13-")) is None
    assert read_reply_address("rsvp@alumni.test") is None


# ---------------------------------------------------------------- the programs' replies
def test_thunderbird_accept_registers_the_member_and_tells_them_in_their_language():
    member = make_member(country="IN", preferred_language="ja")
    event, vevent = invite(member)
    assert vevent["attendee"].params["RSVP"] == "TRUE" and str(vevent["organizer"]).startswith("mailto:rsvp+")

    result = receive_message(thunderbird_reply(vevent, member.email))
    db.session.commit()

    assert result.outcome == "applied" and result.status == "yes"
    assert registration(event, member).status == RegistrationStatus.yes
    [mail] = replies_queued()
    assert mail.recipient == member.email and mail.language == "ja"
    assert f"/events/{event.id}" in mail.text_body


def test_outlook_accept_on_a_full_event_joins_the_waitlist():
    member = make_member(country="IN")
    event, vevent = invite(member, capacity=1)
    rsvc.respond(event, make_member(country="IN"), "yes")
    db.session.commit()

    result = receive_message(outlook_reply(vevent, member.email))
    db.session.commit()

    assert result.outcome == "applied" and result.status == "waitlisted"
    reg = registration(event, member)
    assert reg.status == RegistrationStatus.waitlisted and rsvc.waitlist_position(reg) == 1
    [mail] = replies_queued()
    assert "waitlist" in mail.text_body


@pytest.mark.parametrize(("build", "partstat", "status"), [
    (outlook_reply, "TENTATIVE", RegistrationStatus.maybe),
    (thunderbird_reply, "DECLINED", RegistrationStatus.no),
])
def test_tentative_and_decline_are_maybe_and_no(build, partstat, status):
    member = make_member(country="IN")
    event, vevent = invite(member)
    receive_message(build(vevent, member.email, partstat))
    db.session.commit()
    assert registration(event, member).status == status


def test_a_decline_frees_the_seat_for_the_waitlist_as_on_the_page():
    member, waiting = make_member(country="IN"), make_member(country="IN")
    event, vevent = invite(member, capacity=1)
    rsvc.respond(event, member, "yes")
    rsvc.respond(event, waiting, "yes")
    db.session.commit()
    receive_message(thunderbird_reply(vevent, member.email, "DECLINED"))
    db.session.commit()
    assert registration(event, member).status == RegistrationStatus.no
    assert registration(event, waiting).status == RegistrationStatus.yes


# ---------------------------------------------------------------- what is dropped
def test_a_tampered_token_changes_nothing():
    member = make_member(country="IN")
    event, vevent = invite(member)
    organizer = str(vevent["organizer"])
    digit = organizer[-len("@alumni.test") - 1]
    forged = organizer[:-len("@alumni.test") - 1] + ("0" if digit != "0" else "1") + "@alumni.test"
    vevent["organizer"] = vevent["organizer"].__class__(forged)
    message = thunderbird_reply(vevent, member.email, to=forged[len("mailto:"):])

    result = receive_message(message)
    db.session.commit()

    assert result.outcome == "dropped" and "signed" in result.reason
    assert registration(event, member) is None and replies_queued() == []


def test_someone_elses_answer_with_a_members_token_changes_nothing():
    member = make_member(country="IN")
    event, vevent = invite(member)
    result = receive_message(thunderbird_reply(vevent, "stranger@example.net"))
    assert result.outcome == "dropped" and registration(event, member) is None


def test_a_reply_about_another_calendar_entry_changes_nothing():
    member = make_member(country="IN")
    event, vevent = invite(member)
    vevent["uid"] = event_uid(event.id + 1000)
    result = receive_message(outlook_reply(vevent, member.email))
    assert result.outcome == "dropped" and registration(event, member) is None


@pytest.mark.parametrize("raw", [
    b"From: a@example.org\r\nSubject: hello\r\n\r\nJust a note.\r\n",
    b"\x00\xff\xfe not mail at all",
    b"Content-Type: text/calendar; method=REPLY\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n",
    b"Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
])
def test_what_is_not_a_calendar_reply_is_dropped(raw):
    result = receive_message(raw)
    assert result.outcome == "dropped"
    assert db.session.scalar(select(Registration.id)) is None and replies_queued() == []


def test_a_genuine_reply_after_the_deadline_is_refused_and_the_member_told_why():
    member = make_member(country="IN")
    past = datetime.now().replace(microsecond=0) - timedelta(days=2)
    event, vevent = invite(member, registration_deadline=past, starts_at=past + timedelta(days=30),
                           ends_at=past + timedelta(days=30, hours=3))
    result = receive_message(outlook_reply(vevent, member.email))
    db.session.commit()
    assert result.outcome == "refused" and registration(event, member) is None
    [mail] = replies_queued()
    assert "could not be recorded" in mail.text_body


# ---------------------------------------------------------------- the MTA's ways in
def test_flask_mail_receive_reads_a_file_or_standard_input(runner, tmp_path):
    member = make_member(country="IN")
    event, vevent = invite(member)
    path = tmp_path / "reply.eml"
    path.write_bytes(thunderbird_reply(vevent, member.email, "TENTATIVE"))
    result = runner.invoke(args=["mail", "receive", str(path)])
    assert result.exit_code == 0 and "applied" in result.output
    assert registration(event, member).status == RegistrationStatus.maybe

    result = runner.invoke(args=["mail", "receive"], input=outlook_reply(vevent, member.email))
    assert result.exit_code == 0 and "applied" in result.output
    assert registration(event, member).status == RegistrationStatus.yes

    result = runner.invoke(args=["mail", "receive"], input=b"Subject: spam\r\n\r\nbuy\r\n")
    assert result.exit_code == 0 and "dropped" in result.output


def test_the_listener_takes_replies_over_a_real_smtp_connection(app):
    from alumni.inbound_smtp import make_listener

    member = make_member(country="IN")
    event, vevent = invite(member, capacity=5)
    organizer = str(vevent["organizer"])[len("mailto:"):]
    message = thunderbird_reply(vevent, member.email)
    email, event_id, member_id = member.email, event.id, member.id
    db.session.remove()  # the listener's thread writes now
    listener = make_listener(app, "127.0.0.1", free_port())
    listener.start()
    try:
        with smtplib.SMTP(listener.hostname, listener.port, timeout=10) as smtp:
            refused = smtp.sendmail(email, [organizer, "postmaster@elsewhere.example"], message)
            assert list(refused) == ["postmaster@elsewhere.example"]  # not a reply address: 550
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail(email, ["someone@alumni.test"], b"Subject: x\r\n\r\ny\r\n")
    finally:
        listener.stop()
    reg = db.session.scalar(select(Registration).where(Registration.event_id == event_id,
                                                       Registration.member_id == member_id))
    assert reg.status == RegistrationStatus.yes
    assert len(replies_queued()) == 1
