"""Every mail the product sends, rendered, and every link in it resolved by the app's own URL map:
a renamed route changes the links (they are built from the map), so a broken link fails here,
not in a member's mailbox. Also: the greeting of a nameless reader is a msgid, translated."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from flask import current_app
from sqlalchemy import select
from werkzeug.routing import Map, Rule

from alumni.extensions import db
from alumni.models import MailPurpose, OutgoingMail, Registration, RegistrationStatus, Response, RoundRecipient
from alumni.models.types import utcnow
from alumni.services import email_change, mail_keys
from alumni.services.account_mail import queue_account_mail
from alumni.services.feedback import add_default_questions, send_requests
from alumni.services.inbound import _queue_answer_mail
from alumni.services.invitations import clean_audience, preview_invitation
from alumni.services.mailmerge import KINDS, Recipient, render_rows
from alumni.services.membership import MailKind, Outcome
from alumni.services.rounds import render_round_mail, start_round
from alumni.services.urls import external_url
from tests.factories import make_account, make_event, make_member

ROOT = Path(__file__).resolve().parents[2]
_URL = re.compile(r"""https?://[^\s"'<>)]+""")


def every_mail() -> list[dict]:
    """One of each message the product sends, as queued (subject, bodies, calendar)."""
    event = make_event(online_url="https://meet.example/room")
    member = make_member(given_name="Aiko", family_name="Sato")
    db.session.flush()
    mails: list[dict] = []
    recipient = Recipient(member.id, member.email, "en", "Aiko Sato")
    for kind in KINDS:
        mails.extend(render_rows(kind, event, [recipient], dedup=lambda r, kind=kind: f"test:{kind}",
                                 mailing=mail_keys.PREVIEW, extra={"days": 1}))
    for kind in MailKind:
        owner = make_account(f"{kind.value}@example.org")
        if kind != MailKind.already_registered:
            owner.email_verified_at = None
        queue_account_mail(Outcome(owner, kind))
    changing = make_member(email="old@example.org")
    email_change.request_email_change(changing, "new@example.org")
    _queue_answer_mail(event, member, None, refusal="Closed.")
    queue_feedback_request(member)
    # An update round's request and its reminder (issue 21): the member's own link, unsubscribe.
    update_round, _queued, _skipped = start_round(clean_audience({}), message="Please!", actor=None)
    [recipient_id] = db.session.scalars(select(RoundRecipient.id).where(RoundRecipient.member_id == member.id))
    mails.extend(render_round_mail(update_round, [(recipient_id, recipient)], reminder=True))
    db.session.flush()
    for row in db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)):
        mails.append({"kind": row.kind, "purpose": row.purpose, "text_body": row.text_body,
                      "html_body": row.html_body, "ics": row.ics})
    return mails


def queue_feedback_request(member) -> None:
    """The feedback request after an event `member` was checked in at (with the certificate link)."""
    end = datetime.now().replace(microsecond=0, second=0) - timedelta(hours=8)
    past = make_event(starts_at=end - timedelta(hours=2), ends_at=end)
    add_default_questions(past)
    db.session.add(Registration(event_id=past.id, member_id=member.id, response=Response.yes,
                                status=RegistrationStatus.yes, ticket_token="feedback-ticket", checked_in_at=utcnow()))
    db.session.flush()
    assert send_requests(past) == (1, 0)


def links(mail: dict) -> set[str]:
    found: set[str] = set()
    for part in ("text_body", "html_body", "ics"):
        text = (mail.get(part) or "").replace("&amp;", "&")
        text = re.sub(r"\r\n[ \t]", "", text)  # unfold calendar lines
        found.update(url.rstrip(".,;") for url in _URL.findall(text))
    return found


def test_every_link_in_every_mail_resolves_to_a_route(app):
    mails = every_mail()
    kinds = {m["kind"] for m in mails}
    assert set(KINDS) <= kinds
    assert {"account-verify", "account-reset", "account-claim", "account-already_registered", "email-change",
            "email-change-notice", "calendar-reply", "feedback", "update-round",
            "update-round-reminder"} <= kinds
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc)
    for mail in mails:
        ours = [url for url in links(mail) if not url.startswith("https://meet.example/")]
        assert ours, f"{mail['kind']} has no link to the service"
        for url in ours:
            parts = urlsplit(url)
            assert (parts.scheme, parts.netloc) == (base.scheme, base.netloc), url
            endpoint, _values = adapter.match(parts.path, method="GET")  # raises NotFound if no route
            assert endpoint != "static", url


def test_a_renamed_route_changes_the_link_in_mail(app, monkeypatch):
    """Links come from the URL map: moving the event page moves the link in the invitation."""
    event, member = make_event(), make_member()
    db.session.flush()
    rules = [Rule("/gatherings/<int:event_id>", endpoint="events.detail")]
    rules += [rule.empty() for rule in app.url_map.iter_rules() if rule.endpoint != "events.detail"]
    monkeypatch.setattr(app, "url_map", Map(rules, converters=app.url_map.converters))
    [row] = render_rows("invitation", event, [Recipient(member.id, member.email, "en", "A")],
                        dedup=lambda r: "x", mailing="x")
    assert f"{app.config['BASE_URL']}/gatherings/{event.id}" in row["text_body"]
    assert f"/events/{event.id}" not in row["text_body"]


def test_links_follow_base_url_outside_a_request(app, monkeypatch):
    """A worker or the CLI has no request: the address still comes from BASE_URL, path prefix too."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://club.example.org/alumni")
    with app.app_context():
        assert external_url("events.detail", event_id=7) == "https://club.example.org/alumni/events/7"


def test_links_ignore_the_host_a_request_came_in_by(app, client):
    with app.test_request_context("/", base_url="http://internal:8000"):
        assert external_url("events.detail", event_id=7) == f"{current_app.config['BASE_URL']}/events/7"


def test_no_mail_code_writes_a_route_path_or_reads_base_url():
    """Only alumni.services.urls makes addresses (and preflight checks the setting)."""
    for path in (ROOT / "alumni" / "services").glob("*.py"):
        if path.name not in ("urls.py", "preflight.py"):
            assert not re.search(r"""config\[["']BASE_URL["']\]""", path.read_text()), path.name
    for path in (ROOT / "templates" / "email").iterdir():
        assert not re.search(r"""(href=["']?/|base_url *\}\}/)""", path.read_text()), path.name


def test_the_nameless_greeting_is_a_msgid_and_read_in_the_mail_language(app):
    """A reader without a name (the organizer's sample) is greeted in the mail's language, not
    the organizer's: the fallback is a message of the catalogue."""
    with (ROOT / "translations" / "messages.pot").open("rb") as f:
        catalog = read_po(f)
    assert "Alumna or alumnus" in catalog
    event = make_event()
    db.session.flush()
    with (ROOT / "translations" / "hi" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        hindi = read_po(f)["Alumna or alumnus"].string
    assert hindi
    row = preview_invitation(event, "hi")
    assert hindi in row["text_body"] and "Alumna or alumnus" not in row["text_body"]
    assert "Alumna or alumnus" in preview_invitation(event, "en")["text_body"]


@pytest.mark.parametrize("kind", KINDS)
def test_event_mail_rows_carry_event_and_purpose(kind):
    event, member = make_event(), make_member()
    db.session.flush()
    [row] = render_rows(kind, event, [Recipient(member.id, member.email, "en", "A")], dedup=lambda r: "k",
                        mailing="m", extra={"days": 7})
    assert (row["event_id"], row["member_id"], row["purpose"]) == (event.id, member.id, MailPurpose(kind))


def test_the_unsubscribe_link_built_once_is_each_members_own(app):
    from alumni.services.mailmerge import member_id_for_token, unsubscribe_url, unsubscribe_urls

    many = unsubscribe_urls()
    for member_id in (1, 42, 10**9):
        assert many(member_id) == unsubscribe_url(member_id)
        endpoint, values = app.url_map.bind("alumni.test").match(urlsplit(many(member_id)).path)
        assert endpoint == "mail.unsubscribe_page" and member_id_for_token(values["token"]) == member_id


def test_the_round_link_in_the_mail_opens_that_members_answer_page(app, client):
    """The link resolves to the answer page and names the member's own recipient row."""
    from alumni.services.rounds import recipient_for_token

    member = make_member()
    db.session.commit()
    start_round(clean_audience({}), actor=None)
    db.session.commit()
    body = db.session.scalar(select(OutgoingMail.text_body).where(OutgoingMail.purpose == MailPurpose.update_round))
    [url] = [u for u in links({"text_body": body}) if "/update/" in u]
    token = urlsplit(url).path.rsplit("/", 1)[1]
    assert recipient_for_token(token).member_id == member.id
    assert client.get(urlsplit(url).path).status_code == 200
