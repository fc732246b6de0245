"""Update rounds in a real browser (issue 21): an organizer counts and sends a round; a member
answers through the link in their mail, in English, Japanese and Arabic, on a phone and a desktop;
the round's page and the staff overview's coverage line. No page scrolls sideways at 390 px."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import MailPurpose, OutgoingMail
from tests.browser.helpers import log_in, scrolls_sideways
from tests.browser.test_events_journey import PASSWORD, shot
from tests.factories import make_career, make_chapter, make_institution, make_member, make_user

WIDTHS = (1280, 390)


def _link_of(member) -> str:
    body = db.session.scalar(select(OutgoingMail.text_body).where(
        OutgoingMail.member_id == member.id, OutgoingMail.purpose == MailPurpose.update_round))
    return "/update/" + re.search(r"/update/([A-Za-z0-9_.\-]+)", body).group(1)


def _look(page, tmp_path, name):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, tmp_path, f"{name}-{width}.png")
        assert not scrolls_sideways(page), f"{name} scrolls sideways at {width} px"


def test_a_round_from_sending_to_answers(page, browser, live_server, tmp_path):
    make_chapter("IN", "India chapter", ("IN",))
    make_institution(name="Tohoku University", country="JP")
    make_user("organizer", email="org@example.in", chapter="IN", password=PASSWORD)
    members = {lang: make_member(preferred_language=lang, country="IN", given_name=f"Asha {lang}",
                                 native_name={"ja": "山田 花子", "ar": "ليلى حسن"}.get(lang, ""))
               for lang in ("en", "ja", "ar")}
    for member in members.values():
        make_career(member, organisation="Indian Institute of Science", country="IN", role="student")
    make_member(country="KE")

    log_in(page, "org@example.in")
    page.goto("/manage/rounds")
    _look(page, tmp_path, "rounds-empty")
    page.get_by_role("link", name="New update round").click()
    page.get_by_role("button", name="Preview audience and message").click()
    expect(page.get_by_role("heading", name="3 members will be asked")).to_be_visible()
    _look(page, tmp_path, "round-new-count")
    page.get_by_role("button", name="Send 3 requests").click()
    expect(page.get_by_text("3 requests queued, 0 skipped.")).to_be_visible()

    visitor = browser.new_context(base_url=live_server, locale="en-US").new_page()
    for lang, member in members.items():
        link = _link_of(member)
        visitor.goto(f"/language?lang={lang}&next={link}")
        visitor.goto(link)
        _look(visitor, tmp_path, f"answer-{lang}")
    # The English member answers with a new position; the Japanese one: nothing changed.
    visitor.goto("/language?lang=en&next=/")
    visitor.goto(_link_of(members["en"]))
    visitor.locator("#organisation").fill("Tohoku University")
    country = visitor.get_by_role("combobox", name="Country of this position")
    country.fill("Japan")
    visitor.get_by_role("option", name="Japan", exact=True).click()
    visitor.locator("#role").select_option("researcher")
    visitor.locator("#start_date").fill("2026-04-01")
    visitor.get_by_role("button", name="Save my answer").click()
    expect(visitor.get_by_text("Your record is updated.")).to_be_visible()
    _look(visitor, tmp_path, "answered-en")
    visitor.goto(_link_of(members["ja"]))
    visitor.locator("button[value=unchanged]").click()
    visitor.goto(_link_of(members["ja"]))
    _look(visitor, tmp_path, "answered-again-ja")
    visitor.goto("/update/not-a-real-link")
    _look(visitor, tmp_path, "link-refused")

    page.goto("/manage/rounds")
    page.locator("table a").first.click()
    expect(page.get_by_text("Changed their record").first).to_be_visible()
    for lang in ("en", "ja", "ar"):
        url = page.url
        page.goto(f"/language?lang={lang}&next={url}")
        page.goto(url)
        _look(page, tmp_path, f"round-show-{lang}")

    make_user("staff", email="hq@example.jp", password=PASSWORD)
    staff = browser.new_context(base_url=live_server, locale="en-US").new_page()
    log_in(staff, "hq@example.jp")
    for lang in ("en", "ja", "ar"):
        staff.goto(f"/language?lang={lang}&next=/staff/")
        staff.goto("/staff/")
        expect(staff.locator("#coverage")).to_be_visible()
        _look(staff, tmp_path, f"overview-coverage-{lang}")
