"""The first minutes in a real browser: a visitor's home page (the club, the next events with
places left, join, the privacy notice), a member's dashboard (an invitation waiting for an
answer, answered from there), the warning when mail waits with no worker; and the home pages in
English, Japanese and Arabic at 1280 and 390 px wide, none scrolling sideways."""
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from alumni.extensions import db
from alumni.services import invitations as isvc
from alumni.services import privacy, workers
from alumni.services import registrations as rsvc
from tests.browser.helpers import log_in
from tests.browser.test_events_journey import PASSWORD, shot
from tests.factories import make_event, make_member, make_participation, make_user


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_visitor_sees_the_club_the_next_events_and_joins(page, tmp_path):
    make_event(title="India-Japan University Forum", capacity=120)
    make_participation(make_member(visibility="public"))

    page.goto("/")
    expect(page.get_by_role("heading", name="Sakura Science Club", exact=True)).to_be_visible()
    events = page.get_by_role("region", name="Next events")
    expect(events.get_by_role("link", name="India-Japan University Forum")).to_be_visible()
    expect(events.get_by_text("120 places left")).to_be_visible()
    shot(page, tmp_path, "home-visitor.png")

    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", name="Privacy notice", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Version {privacy.NOTICE_VERSION}")).to_be_visible()
    expect(page.get_by_role("heading", name="For how long")).to_be_visible()

    page.goto("/")
    page.get_by_role("link", name="I already have an account").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto("/")
    page.get_by_role("link", name="Become a member").click()
    expect(page.get_by_role("heading", name="Join the Sakura Science Club")).to_be_visible()
    expect(page.get_by_role("link", name=f"Read the privacy notice (version {privacy.NOTICE_VERSION})")).to_be_visible()


def test_a_member_answers_a_waiting_invitation_from_the_dashboard(page, tmp_path):
    member = make_member(email="priya@example.in", given_name="Priya", timezone="UTC")
    make_user("member", member=member, password=PASSWORD)
    event = make_event(title="6th India alumni reunion", capacity=80)
    isvc.queue_invitations(event, isvc.clean_audience({"countries": ["IN"]}))
    db.session.commit()

    log_in(page, "priya@example.in")
    expect(page.get_by_role("heading", name="Welcome, Priya")).to_be_visible()
    waiting = page.get_by_role("region", name="Invitations waiting for your answer")
    expect(waiting.get_by_text("80 places left")).to_be_visible()
    profile = page.get_by_role("region", name="Your profile")
    expect(profile.get_by_role("link", name="Add the programme you took part in.")).to_be_visible()
    shot(page, tmp_path, "home-member.png")

    waiting.get_by_role("link", name="6th India alumni reunion").click()
    page.get_by_role("button", name="Yes, I will come").click()
    expect(page.get_by_text("You are registered.")).to_be_visible()

    page.goto("/")
    expect(page.get_by_text("No invitation is waiting for your answer.")).to_be_visible()
    mine = page.get_by_role("region", name="Your next events")
    expect(mine.get_by_role("link", name="6th India alumni reunion")).to_be_visible()
    expect(mine.get_by_text("Attending")).to_be_visible()
    expect(mine.get_by_role("link", name="Your ticket")).to_be_visible()

    profile.get_by_role("link", name="Add the programme you took part in.").click()
    expect(page.get_by_label("Programme")).to_be_visible()


def test_queued_mail_with_no_worker_is_flagged_on_the_mailing_page_and_staff_home(page, tmp_path):
    make_user("staff", email="hq@example.jp", password=PASSWORD)
    event = make_event(title="Asia University Forum")
    for _ in range(3):
        make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    # A worker that stopped beating ten minutes ago is not alive.
    workers.beat("mail", workers.process_name("mail"), now=datetime.now(UTC) - timedelta(minutes=10))
    db.session.commit()

    log_in(page, "hq@example.jp")
    alert = page.locator("#no-mail-worker")
    expect(alert).to_contain_text("3 messages are queued and no mail worker is running")
    page.goto(f"/manage/events/{event.id}/mail")
    expect(page.get_by_role("alert")).to_contain_text("no mail worker is running")
    expect(page.get_by_role("alert")).to_contain_text("docs/operations.md")
    shot(page, tmp_path, "mail-no-worker.png")

    workers.beat("mail", workers.process_name("mail"))
    db.session.commit()
    page.reload()
    expect(page.locator("#no-mail-worker")).to_have_count(0)


@pytest.mark.parametrize("lang", ["en", "ja", "ar"])
def test_home_pages_fit_a_phone_in_every_script(browser, live_server, lang, tmp_path):
    event = make_event(title="Japan–Africa University Exchange Conference with a rather long title",
                       capacity=200, translations={"ja": {"title": "日本・アフリカ大学交流会議"},
                                                   "ar": {"title": "مؤتمر التبادل الجامعي بين اليابان وأفريقيا"}})
    member = make_member(email="amina@example.eg", given_name="Amina", country="EG", preferred_language=lang,
                         timezone="Africa/Cairo")
    make_user("member", member=member, password=PASSWORD)
    organizer = make_user("organizer", email="org@example.in", chapter="IN", password=PASSWORD)
    isvc.queue_invitations(event, isvc.clean_audience({}))
    rsvc.respond(make_event(title="Webinar"), member, "maybe")
    db.session.commit()
    assert organizer.chapter_id == event.chapter_id

    for width in (1280, 390):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"/language?lang={lang}&next=/")
        for who, email in (("visitor", None), ("member", "amina@example.eg"), ("organizer", "org@example.in")):
            if email:
                log_in(page, email)
                page.goto(f"/language?lang={lang}&next=/")  # logging in starts a new session
            for path in ("/", "/privacy") if who == "visitor" else ("/",):
                page.goto(path)
                name = f"{'privacy' if path == '/privacy' else 'home'}-{who}-{lang}-{width}.png"
                shot(page, tmp_path, name)
                assert no_sideways_scroll(page), name
                assert "None" not in page.inner_text("main"), name
            if email:
                page.context.clear_cookies()
                page.goto(f"/language?lang={lang}&next=/")
        context.close()
