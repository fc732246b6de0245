"""The home page for each kind of person, the privacy notice and its versions, and the mailing
status page's warning when no mail worker runs."""
import re

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Consent, ConsentKind, MailAddressHold, MailStatus, OutgoingMail
from alumni.services import invitations as isvc
from alumni.services import privacy, workers
from alumni.services import registrations as rsvc
from tests.factories import PASSWORD, logged_in, login, make_event, make_member, make_participation, make_user


def numbers(html: str) -> dict[str, int]:
    """The club's numbers as the page prints them: {"members in the directory": 2, …}."""
    return {label.strip(): int(n.replace(",", "")) for n, label in
            re.findall(r"<div><strong>([\d,]+)</strong> ([^<]+)</div>", html)}


def test_visitors_see_the_club_next_events_with_places_left_join_and_log_in(client):
    make_event(title="Reunion in New Delhi", capacity=40)
    html = client.get("/").get_data(as_text=True)
    assert "Reunion in New Delhi" in html and "40 places left" in html
    assert 'href="/signup"' in html and 'href="/login"' in html and 'href="/privacy"' in html
    assert "None" not in html


def test_the_home_page_never_counts_hidden_members(client):
    for visibility, country in (("public", "IN"), ("members", "JP"), ("hidden", "TH"), ("hidden", "EG")):
        make_participation(make_member(visibility=visibility, country=country))
    shown = numbers(client.get("/").get_data(as_text=True))
    assert shown["members in the directory"] == 1 and shown["countries and regions"] == 1
    assert shown["programme participations"] == 1
    logged_in(client, visibility="hidden", country="TH")
    shown = numbers(client.get("/").get_data(as_text=True))
    assert shown["members in the directory"] == 2 and shown["countries and regions"] == 2


def test_a_members_home_lists_the_unanswered_invitation_their_answers_and_profile_gaps(client):
    user = logged_in(client, timezone="UTC")
    invited = make_event(title="India-Japan University Forum", capacity=10)
    answered = make_event(title="Webinar on careers")
    isvc.queue_invitations(invited, isvc.clean_audience({}))
    rsvc.respond(answered, user.member, "maybe")
    db.session.commit()

    html = client.get("/").get_data(as_text=True)
    waiting = html.split('id="invitations-title"')[1].split("</section>")[0]
    assert "India-Japan University Forum" in waiting and "10 places left" in waiting
    mine = html.split('id="mine-title"')[1].split("</section>")[0]
    assert "Webinar on careers" in mine and "Maybe" in mine
    gaps = html.split('id="gaps-title"')[1].split("</section>")[0]
    assert "Add the programme you took part in." in gaps and "Choose your time zone" in gaps
    assert "None" not in html

    rsvc.respond(invited, user.member, "yes")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "No invitation is waiting for your answer." in html


def test_the_privacy_notice_exists_with_its_version_and_sign_up_links_it(client):
    page = client.get("/privacy")
    assert page.status_code == 200 and privacy.NOTICE_VERSION in page.get_data(as_text=True)
    for lang in ("ja", "ar"):
        assert client.get("/privacy", headers={"Accept-Language": lang}).status_code == 200
    assert 'href="/privacy"' in client.get("/signup").get_data(as_text=True)


def test_sign_up_records_the_version_accepted(client):
    r = client.post("/signup", data={"given_name": "Hanako", "family_name": "Sato", "email": "hanako@example.jp",
                                     "password": PASSWORD, "accept_privacy": "y"})
    assert r.status_code == 200
    consent = db.session.scalar(select(Consent).where(Consent.kind == ConsentKind.privacy_notice))
    assert consent.version == privacy.NOTICE_VERSION


def test_me_shows_the_version_accepted_and_when_in_the_members_zone(client):
    from datetime import UTC, datetime

    user = logged_in(client, timezone="Asia/Tokyo")
    consent = privacy.accept_notice(user.member)
    consent.recorded_at = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    db.session.commit()
    html = client.get("/me").get_data(as_text=True)
    section = html.split('id="privacy"')[1].split("</section>")[0]
    assert privacy.NOTICE_VERSION in section and "It is the current version." in section
    assert "Nov 29, 2026" in section and "8:30" in section and "Japan Standard Time" in section  # 08:30 in Tokyo


@pytest.mark.parametrize(("version", "says"), [
    ("never", "You have not accepted the privacy notice yet."),
    (None, "A newer version of the privacy notice"),  # accepted before versions were recorded
    ("2020-01-01", "A newer version of the privacy notice"),
])
def test_me_asks_to_accept_the_current_notice_and_accepting_it_records_the_version(client, version, says):
    user = logged_in(client)
    if version != "never":
        db.session.add(Consent(member_id=user.member_id, kind=ConsentKind.privacy_notice, granted=True,
                               version=version))
        db.session.commit()
    html = client.get("/me").get_data(as_text=True)
    assert says in html and "I have read it and accept it" in html
    assert client.post("/me/privacy").status_code == 302
    assert privacy.accepted_notice(user.member).is_current
    html = client.get("/me").get_data(as_text=True)
    assert says not in html and "It is the current version." in html


def test_organizers_land_on_their_chapters_events_with_new_answers(client):
    event = make_event("IN", title="Sixth India reunion", capacity=100)
    make_event("TH", title="Bangkok meetup")
    rsvc.respond(event, make_member(), "yes")
    db.session.commit()
    login(client, make_user("organizer", chapter="IN", password=PASSWORD))
    html = client.get("/").get_data(as_text=True)
    panel = html.split('id="organizer-title"')[1].split("</section>")[0]
    assert "Sixth India reunion" in panel and "Bangkok meetup" not in panel
    assert f'href="/manage/events/{event.id}"' in panel


def test_staff_land_on_held_addresses_failed_mail_and_the_import(client):
    event = make_event()
    make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.scalar(select(OutgoingMail)).status = MailStatus.failed
    db.session.add(MailAddressHold(email="gone@example.org", permanent_failures=2, held=True))
    db.session.commit()
    login(client, make_user("staff", password=PASSWORD))
    html = client.get("/").get_data(as_text=True)
    panel = html.split('id="staff-title"')[1].split("</section>")[0]
    assert "1 address is held" in panel and "1 message could not be delivered." in panel
    assert f'href="/manage/events/{event.id}/mail"' in panel and 'href="/staff/import"' in panel


def test_a_mailing_with_queued_messages_and_no_worker_says_so(client):
    event = make_event()
    make_member()
    make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.commit()
    login(client, make_user("staff", password=PASSWORD))
    html = client.get(f"/manage/events/{event.id}/mail").get_data(as_text=True)
    assert "2 messages are queued and no mail worker is running" in html and "docs/operations.md" in html

    workers.beat("mail", workers.process_name("mail"))
    db.session.commit()
    html = client.get(f"/manage/events/{event.id}/mail").get_data(as_text=True)
    assert "no mail worker is running" not in html


def test_staff_land_on_the_latest_imports_with_their_results(client):
    """Issue 17: staff land on what needs them, import results included (newest first)."""
    from alumni.services import import_jobs
    from alumni.services.imports import COLUMNS

    staff = make_user("staff", password=PASSWORD)
    row = dict.fromkeys(COLUMNS, "")
    row.update(email="ana@example.org", given_name="Ana", country="IN", programme="SSP-A", fiscal_year="2019",
               direction="inbound", start_date="2019-07-01", end_date="2019-07-07")
    data = ("\ufeff" + ",".join(COLUMNS) + "\n" + ",".join(row[c] for c in COLUMNS) + "\n").encode()
    job = import_jobs.enqueue_import(data, "alumni-2019.csv", dry_run=False, actor=staff)
    db.session.commit()
    import_jobs.run_pending_imports()
    db.session.commit()
    login(client, staff)
    html = client.get("/").get_data(as_text=True)
    assert f"/staff/imports/{job.id}" in html and "alumni-2019.csv" in html
    assert "Created 1, updated 0, unchanged 0, rejected 0." in html
