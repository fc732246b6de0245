"""Feedback in a real browser (issue 22 item 5): a member checked in answers (a question shown only
after a low rating appears when it applies) and is thanked; organizers read the results. Both
pages at 1280 and 390 px in en, ja and ar: nothing scrolls sideways, right-to-left reads rtl;
screenshots in /tmp/shots-feedback/ for a person to look at."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from alumni.extensions import db
from alumni.models import QuestionForm
from alumni.services import feedback as fsvc
from alumni.services import questions as qsvc
from tests.browser.helpers import log_in, scrolls_sideways
from tests.factories import make_member, make_user
from tests.services.test_feedback import attendee, past_event

PASSWORD = "a long enough passphrase"
SHOTS = Path("/tmp/shots-feedback")
WIDTHS = (1280, 390)


def forum():
    event = past_event(title="India–Japan University Forum")
    fsvc.add_default_questions(event)
    rating = fsvc.feedback_questions(event)[0]
    qsvc.add_question(event, {"kind": "long_text", "label": "What went wrong?",
                              "show_if": {"question": rating.id, "value": "1"}}, form=QuestionForm.feedback)
    db.session.commit()
    return event, rating


def shoot(page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert not scrolls_sideways(page), f"{name} scrolls sideways at {width} px"
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "ja", "ar"])
def test_a_member_answers_and_organizers_read_the_results(browser, live_server, lang):
    event, rating = forum()
    email = f"aiko-{lang}@example.jp"
    reg = attendee(event, email=email, given_name="Aiko", family_name="Sato", preferred_language=lang)
    make_user("member", member=reg.member, password=PASSWORD)
    for i in range(6):  # others have answered: enough for the open answers to show
        fsvc.submit(attendee(event), {str(rating.id): "5" if i else "4",
                                      str(fsvc.feedback_questions(event)[1].id): f"Answer {i}"})
    db.session.commit()
    context = browser.new_context(base_url=live_server, locale={"en": "en-US", "ja": "ja-JP", "ar": "ar"}[lang])
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, email)
    page.goto(f"/events/{event.id}/feedback")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    why = page.locator("textarea").nth(2)
    expect(why).to_be_hidden()
    page.locator(f'input[name="q-{rating.id}"][value="1"]').check()
    expect(why).to_be_visible()
    why.fill("The room was too cold")
    shoot(page, f"form-{lang}")
    page.locator("form.form button").click()
    page.wait_for_url(f"**/events/{event.id}/feedback/thanks")
    shoot(page, f"thanks-{lang}")
    db.session.expire_all()
    assert qsvc.answers_of(reg, QuestionForm.feedback)[rating.id] == "1"

    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    org_context = browser.new_context(base_url=live_server, locale={"en": "en-US", "ja": "ja-JP", "ar": "ar"}[lang])
    org_page = org_context.new_page()
    log_in(org_page, organizer.email)
    org_page.goto(f"/manage/events/{event.id}/feedback")
    expect(org_page.locator("td", has_text="<5").first).to_be_visible()
    assert "Sato" not in org_page.content() and "The room was too cold" not in org_page.content()
    shoot(org_page, f"results-{lang}")
    org_page.goto(f"/manage/events/{event.id}/feedback/questions")
    expect(org_page.get_by_role("heading", level=1)).to_be_visible()
    shoot(org_page, f"questions-{lang}")
    context.close()
    org_context.close()


def test_someone_not_checked_in_reads_why(page):
    event, _rating = forum()
    reg = attendee(event, checked_in=False, email="late@example.in")
    make_user("member", member=reg.member, password=PASSWORD)
    make_member()
    log_in(page, "late@example.in")
    page.goto(f"/events/{event.id}/feedback")
    expect(page.get_by_text("Only those checked in at the event can give feedback.")).to_be_visible()
    shoot(page, "refused-en")
