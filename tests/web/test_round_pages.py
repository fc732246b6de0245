"""Update rounds' pages: the organizer starts a round (count per language, then send), follows
it and exports it; a member answers through their link without a password."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from alumni.extensions import db
from alumni.models import CareerEntry, MailPurpose, OutgoingMail, RoundRecipient
from alumni.models.types import utcnow
from alumni.services import invitations, rounds
from tests.factories import PASSWORD, login, make_career, make_chapter, make_member, make_user

LINK = re.compile(r"/update/([A-Za-z0-9_.\-]+)")


def _token_of(member) -> str:
    body = db.session.scalar(select(OutgoingMail.text_body).where(
        OutgoingMail.member_id == member.id, OutgoingMail.purpose == MailPurpose.update_round))
    return LINK.search(body).group(1)


def _round_for(*members):
    update_round, _queued, _skipped = rounds.start_round(invitations.clean_audience({}), actor=None)
    db.session.commit()
    return update_round


def test_organizer_sees_the_count_per_language_then_sends_to_their_chapter(app, client):
    make_chapter("IN", "India chapter", ("IN",))
    make_chapter("LK", "Sri Lanka chapter", ("LK",))
    make_member(country="IN", preferred_language="hi")
    make_member(country="IN", preferred_language="en")
    make_member(country="LK")
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    login(client, organizer)
    page = client.post("/manage/rounds/new", data={"action": "count", "unconfirmed_months": "12"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "2 members will be asked" in text
    assert "हिन्दी" in text and "srcdoc" in text  # the count per language, the mail in each
    refused = client.post("/manage/rounds/new", data={"action": "send", "chapter": "LK"})
    assert refused.status_code == 422 and not db.session.scalar(select(RoundRecipient.id))
    sent = client.post("/manage/rounds/new", data={"action": "send", "message": "Hello from Delhi"})
    assert sent.status_code == 302
    round_page = client.get(sent.location)
    assert round_page.status_code == 200 and "Asked" in round_page.get_data(as_text=True)
    assert len(list(db.session.scalars(select(RoundRecipient)))) == 2
    listing = client.get("/manage/rounds").get_data(as_text=True)
    assert "India chapter" in listing


def test_the_round_list_is_empty_at_first_and_says_what_to_do(app, client):
    login(client, make_user("staff", password=PASSWORD))
    assert "No update round yet" in client.get("/manage/rounds").get_data(as_text=True)


def test_the_round_csv_has_the_figures(app, client):
    member = make_member(country="IN")
    update_round = _round_for(member)
    login(client, make_user("staff", password=PASSWORD))
    csv = client.get(f"/manage/rounds/{update_round.id}.csv").get_data(as_text=True)
    assert csv.splitlines()[0] == "dimension,key,recipients,sent,opened,answered,changed"
    assert "total,,1,0,0,0,0" in csv and "country,IN,<5,0,0,0,0" in csv


def test_a_member_answers_through_the_link_without_logging_in(app, client):
    member = make_member(country="IN", given_name="Anika")
    make_career(member, organisation="IIT Delhi", country="IN", role="student")
    update_round = _round_for(member)
    token = _token_of(member)
    page = client.get(f"/update/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "IIT Delhi" in text and "Nothing changed" in text
    assert member.email not in text  # nothing of the account beyond what the page asks
    answer = client.post(f"/update/{token}", data={
        "action": "save", "organisation": "Tohoku University", "country": "JP", "role": "researcher",
        "start_date": "2026-04-01", "preferred_language": "en", "visibility": "members"})
    assert answer.status_code == 200 and "Your record is updated." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert rounds.current_position(member).organisation == "Tohoku University"
    figures = rounds.round_figures(update_round)
    assert (figures["opened"], figures["answered"], figures["changed"]) == (1, 1, 1)
    # The same link again: it says so and changes nothing.
    again = client.post(f"/update/{token}", data={"action": "save", "organisation": "Elsewhere", "country": "FR",
                                                  "role": "engineer", "preferred_language": "en",
                                                  "visibility": "members"})
    assert again.status_code == 409
    db.session.expire_all()
    assert rounds.current_position(member).organisation == "Tohoku University"
    assert "changes nothing" in client.get(f"/update/{token}").get_data(as_text=True)


def test_nothing_changed_is_one_click(app, client):
    member = make_member()
    make_career(member)
    _round_for(member)
    token = _token_of(member)
    answer = client.post(f"/update/{token}", data={"action": "unchanged"})
    assert answer.status_code == 200 and "confirmed as it is" in answer.get_data(as_text=True)
    recipient = db.session.scalar(select(RoundRecipient))
    db.session.refresh(recipient)
    assert recipient.answered_at is not None and recipient.changed is False
    assert len(list(db.session.scalars(select(CareerEntry)))) == 1


def test_expired_and_forged_links_get_a_clear_page(app, client, monkeypatch):
    member = make_member()
    _round_for(member)
    token = _token_of(member)
    monkeypatch.setitem(app.config, "ROUND_LINK_MAX_AGE", -1)
    expired = client.post(f"/update/{token}", data={"action": "unchanged"})
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    monkeypatch.setitem(app.config, "ROUND_LINK_MAX_AGE", 3600)
    forged = client.get(f"/update/{token[:-4]}AAAA")
    assert forged.status_code == 400 and "not valid" in forged.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(RoundRecipient.answered_at)) is None


def test_a_wrong_value_is_shown_beside_its_field(app, client):
    member = make_member()
    _round_for(member)
    answer = client.post(f"/update/{_token_of(member)}", data={
        "action": "save", "return_purpose": "research", "preferred_language": "en", "visibility": "members"})
    assert answer.status_code == 422 and 'id="return_start-error"' in answer.get_data(as_text=True)
    assert db.session.scalar(select(RoundRecipient.answered_at)) is None


def test_the_member_api_carries_confirmed_at_for_themselves_and_staff_only(app, client):
    from tests.factories import make_token

    member = make_member(visibility="public")
    member.confirmed_at = utcnow() - timedelta(days=3)
    db.session.commit()
    own = make_token(make_user("member", member=member))
    staff = make_token(make_user("staff"))
    other = make_token(make_user("member"))
    for token, shown in ((own, True), (staff, True), (other, False)):
        body = client.get(f"/api/v1/members/{member.id}", headers={"Authorization": f"Bearer {token}"}).json
        assert ("confirmed_at" in body) is shown
    body = client.get(f"/api/v1/members/{member.id}", headers={"Authorization": f"Bearer {own}"}).json
    assert body["confirmed_at"].startswith(member.confirmed_at.date().isoformat())


def test_the_link_of_a_deleted_member_opens_nothing(app, client):
    from alumni.services.members import delete_member

    member = make_member()
    _round_for(member)
    token = _token_of(member)
    delete_member(member)
    db.session.commit()
    assert client.get(f"/update/{token}").status_code == 400
