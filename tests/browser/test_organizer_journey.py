"""Issue 18's organizer journey in a real browser, by names only: create an event with the pickers,
publish it, invite an audience chosen by country and programme names (the count follows), preview
the invitation in English, Japanese and Arabic, and cancel the event through its confirmation page.
Every page of the journey is checked by axe-core in en and ar, and none scrolls sideways at
390 x 844. With ALUMNI_SCREENSHOTS set, the pages are photographed at 1280 and 390 px in en, ja
and ar."""
import os
import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Event
from tests.browser.axe import assert_accessible
from tests.browser.helpers import log_in
from tests.browser.test_events_journey import PASSWORD, SHOTS
from tests.factories import make_chapter, make_event, make_member, make_participation, make_user


def _people():
    make_chapter("IN", "India chapter", ("IN",))
    make_user("organizer", email="org@example.in", chapter="IN", password=PASSWORD)
    for lang, country in (("en", "TH"), ("ja", "TH"), ("ar", "EG"), ("en", "KE")):
        member = make_member(country=country, preferred_language=lang)
        make_participation(member, programme="SSP-A", start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))
    make_member(country="TH", preferred_language="th")  # no SSP-A: never in the audience


def _pick(page, name, text, option=None):
    box = page.get_by_role("combobox", name=name, exact=True)
    box.fill(text)
    if option:
        page.get_by_role("option", name=option).locator("visible=true").first.click()
    else:
        box.press("Enter")


WIDEST = """() => [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect(); return e.className !== 'skip' && (r.right > window.innerWidth + 1
  || r.left < -1 || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible'); })
  .slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width))"""


def _check(page, label, seen):
    """axe and the 390 px width on this page, once per (label, language); screenshots if asked."""
    page.wait_for_load_state("networkidle")
    lang = page.evaluate("document.documentElement.lang")[:2]
    width = page.viewport_size["width"]
    if lang in ("en", "ar") and width == 1280:
        assert_accessible(page, f"{label} ({lang})")
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], (label, lang, width, wide, page.evaluate(WIDEST))
    assert not re.search(r"\bNone\b", page.inner_text("body")), (label, lang, "prints None")
    seen.append((label, lang, width))
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"organizer-{lang}-{width}-{len(seen):02d}-{label}.png"),
                        full_page=True)


def _create_and_publish(page, seen):
    page.goto("/language?lang=en&next=/manage/events")
    _check(page, "events", seen)
    page.get_by_role("link", name="New event").click()
    _check(page, "new", seen)
    page.get_by_label("Title", exact=True).fill("Asia alumni evening")
    page.get_by_label("Description", exact=True).fill("Talks and dinner.")
    page.get_by_label("Starts (local time)").fill("2030-01-18T18:00")
    page.get_by_label("Ends (local time)").fill("2030-01-18T21:00")
    _pick(page, "Time zone", "Kolkata", "Kolkata")
    page.get_by_label("Venue", exact=True).fill("India Habitat Centre, New Delhi")
    _pick(page, "Country of the venue", "Indi", "India")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("saved as a draft")).to_be_visible()
    event = db.session.scalar(select(Event).where(Event.title == "Asia alumni evening"))
    assert event is not None and event.timezone == "Asia/Kolkata" and event.country == "IN"
    assert event.status.value == "draft"
    _check(page, "draft", seen)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The event is published.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Event, event.id).status.value == "published"
    _check(page, "published", seen)
    return event


def test_organizer_creates_invites_by_names_previews_in_three_languages_and_cancels(page, live_server):
    _people()
    log_in(page, "org@example.in")
    page.set_viewport_size({"width": 1280, "height": 900})
    seen: list = []
    event = _create_and_publish(page, seen)

    page.get_by_role("link", name="Invite", exact=True).click()
    _check(page, "invite", seen)
    live = page.locator("#audience-live")
    _pick(page, "Chapter (its countries)", "all chap", "All chapters — members of every country")
    expect(live).to_contain_text("5 members will receive it")
    _pick(page, "Countries", "thai", "Thailand")
    expect(page.get_by_role("button", name="Remove Thailand")).to_be_visible()
    expect(live).to_contain_text("3 members will receive it")
    _pick(page, "Countries", "egy", "Egypt")
    expect(live).to_contain_text("4 members will receive it")
    _pick(page, "Programmes", "sakura science program a", "Sakura Science Program A")
    expect(live).to_contain_text("3 members will receive it")  # the th speaker took no SSP-A
    expect(live.locator("li")).to_have_count(3)
    _check(page, "invite-picked", seen)

    page.get_by_role("button", name="Preview audience and message").click()
    expect(page.get_by_role("heading", name="3 members will receive it")).to_be_visible()
    previews = page.locator("details.preview")
    expect(previews).to_have_count(3)
    assert sorted(previews.evaluate_all("ds => ds.map(d => d.lang)")) == ["ar", "en", "ja"]
    for lang in ("en", "ja", "ar"):
        preview = page.locator(f"details.preview[lang={lang}]")
        if preview.get_attribute("open") is None:
            # The language picker opens the language's preview.
            # (dispatched: after the previous language's frame opens, Chrome keeps that fragment
            # in view while the frame lays out, and a click by coordinates can land in the frame)
            page.locator(f"nav.preview-languages a[href='#preview-{lang}']").dispatch_event("click")
        expect(preview).to_have_attribute("open", "")
        # The HTML part, rendered in its sandbox, as the member sees it.
        frame = preview.frame_locator("iframe.mail-html")
        expect(frame.locator("h1")).to_contain_text("Asia alumni evening")
        expect(frame.locator("html")).to_have_attribute("lang", lang)
        # The plain part, one click away.
        expect(preview.locator(".mail-preview")).to_be_hidden()
        preview.locator("details.mail-plain summary").dispatch_event("click")  # (as above)
        expect(preview.locator(".mail-preview")).to_be_visible()
        expect(preview.locator(".mail-preview")).to_contain_text("Asia alumni evening")
    assert page.locator("details.preview[lang=ar]").get_attribute("dir") == "rtl"
    _check(page, "invite-preview", seen)

    # Cancel: the button leads to a page that asks first; the event is not cancelled until confirmed.
    page.goto(f"/manage/events/{event.id}")
    page.get_by_role("button", name="Cancel event").or_(page.get_by_role("link", name="Cancel event")).first.click()
    expect(page.get_by_role("heading", name="Cancel this event?")).to_be_visible()
    _check(page, "cancel-confirm", seen)
    db.session.expire_all()
    assert db.session.get(Event, event.id).status.value == "published"
    page.get_by_role("button", name="Cancel the event").click()
    expect(page.get_by_text("The event is cancelled.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Event, event.id).status.value == "cancelled"
    _check(page, "cancelled", seen)
    assert {s[0] for s in seen} >= {"new", "draft", "published", "invite", "invite-preview", "cancel-confirm"}


@pytest.mark.parametrize("lang", ["en", "ja", "ar"])
@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_of_the_journey_in_three_languages_and_two_widths(browser, live_server, lang, width):
    """The same pages with the language switched (axe in en and ar at 1280 px; no sideways
    scrolling at 390 x 844), from the draft's form to the cancelled event."""
    _people()
    draft = make_event("IN", publish=False, title="Asia alumni evening")
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    seen: list = []
    log_in(page, "org@example.in")
    page.goto(f"/language?lang={lang}&next=/manage/events")
    _check(page, "events", seen)
    page.goto("/manage/events/new")
    page.locator(".picker input[role=combobox]").first.fill("a")  # a picker's list open
    _check(page, "new", seen)
    page.goto(f"/manage/events/{draft.id}")
    _check(page, "draft", seen)
    page.locator(f"form[action$='/{draft.id}/publish'] button").click()
    page.wait_for_url(f"**/manage/events/{draft.id}")
    _check(page, "published", seen)
    page.goto(f"/manage/events/{draft.id}/invite?chapter=&countries=EG&countries=TH&programmes=SSP-A")
    page.locator("#countries-picker").click()
    _check(page, "invite", seen)
    page.locator("button[name=action][value=count]").click()
    expect(page.locator("details.preview")).to_have_count(3)
    page.locator("details.preview").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    _check(page, "invite-preview", seen)
    page.goto(f"/manage/events/{draft.id}/cancel")
    _check(page, "cancel-confirm", seen)
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_url(f"**/manage/events/{draft.id}")
    db.session.expire_all()
    assert db.session.get(Event, draft.id).status.value == "cancelled"
    _check(page, "cancelled", seen)
    assert all(s[1] == lang for s in seen), seen
    context.close()
