"""The invite form's pickers in a real browser: type to filter, pick two countries by name, the
audience count (and its split by language) follows; the reason an audience is empty is shown.
With ALUMNI_SCREENSHOTS set, the invite, event form and door pages are also photographed at
1280 and 390 px in en, ja and ar."""
from playwright.sync_api import expect

from alumni.extensions import db
from alumni.services import registrations as rsvc
from tests.browser.helpers import log_in
from tests.browser.test_events_journey import PASSWORD, SHOTS
from tests.factories import make_chapter, make_event, make_member, make_user


def test_pick_two_countries_by_name_and_the_audience_count_follows(page, live_server):
    make_chapter("IN", "India chapter", ("IN",))
    make_user("organizer", email="org@example.in", chapter="IN", password=PASSWORD)
    event = make_event("IN", title="Asia alumni evening")
    for lang in ("ja", "en", "hi"):
        make_member(country="IN", preferred_language=lang)
    make_member(country="TH", preferred_language="th")
    make_member(country="TH", preferred_language="th")
    make_member(country="EG", preferred_language="ar")

    log_in(page, "org@example.in")
    page.goto(f"/manage/events/{event.id}/invite")
    live = page.locator("#audience-live")
    expect(live).to_contain_text("3 members will receive it")  # the event's chapter, at first

    chapter = page.get_by_role("combobox", name="Chapter (its countries)")
    chapter.fill("all chap")
    expect(page.get_by_role("option", name="All chapters — members of every country")).to_be_visible()
    chapter.press("Enter")
    expect(live).to_contain_text("6 members will receive it")

    countries = page.get_by_role("combobox", name="Countries", exact=True)
    countries.fill("thai")
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(1)  # typing filters the list
    expect(countries).to_have_attribute("aria-expanded", "true")
    countries.press("Enter")
    expect(page.get_by_role("button", name="Remove Thailand")).to_be_visible()
    expect(live).to_contain_text("2 members will receive it")
    countries.fill("egy")
    page.get_by_role("option", name="Egypt").click()
    expect(live).to_contain_text("3 members will receive it")
    expect(live.locator("li")).to_have_count(2)  # ภาษาไทย: 2, العربية: 1
    expect(live).to_contain_text("ไทย")
    expect(live).to_contain_text("العربية")
    assert page.eval_on_selector("#countries", "s => [...s.selectedOptions].map(o => o.value).sort()") == ["EG", "TH"]

    # The organizer's own chapter with these countries: nobody, and the page says why.
    chapter.fill("India")
    chapter.press("Enter")
    expect(live).to_contain_text("0 members will receive it")
    expect(live).to_contain_text("No member of India chapter lives in Egypt and Thailand")
    # The preview button sends the same codes without the script's help.
    page.get_by_role("button", name="Preview audience and message").click()
    expect(page.get_by_role("heading", name="0 members will receive it")).to_be_visible()
    assert page.eval_on_selector("#countries", "s => [...s.selectedOptions].map(o => o.value).sort()") == ["EG", "TH"]


def test_pages_at_phone_and_desktop_widths_in_three_languages(browser, live_server):
    """Photographs for a person to look at (ALUMNI_SCREENSHOTS); in any case, no page of these
    scrolls sideways at 390 px."""
    import os

    make_chapter("IN", "India chapter", ("IN",))
    make_user("organizer", email="door@example.in", chapter="IN", password=PASSWORD)
    event = make_event("IN", title="India alumni reunion", timezone="Asia/Kolkata")
    member = make_member(country="IN", given_name="Hanako", family_name="Sato", native_name="佐藤 花子")
    reg = rsvc.respond(event, member, "yes").registration
    db.session.commit()
    paths = [f"/manage/events/{event.id}/invite?chapter=IN&countries=EG&countries=TH",
             "/manage/events/new", f"/manage/events/{event.id}/scan", f"/tickets/{reg.ticket_token}"]
    for lang in ("en", "ja", "ar"):
        for width in (1280, 390):
            context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 844})
            page = context.new_page()
            log_in(page, "door@example.in")
            page.goto(f"/language?lang={lang}&next=/")
            for n, path in enumerate(paths):
                page.goto(path)
                page.wait_for_load_state("networkidle")
                if n == 0:
                    page.locator("#countries-picker").click()
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, (path, lang, width, wide)
                if SHOTS:
                    os.makedirs(SHOTS, exist_ok=True)
                    page.screenshot(path=os.path.join(SHOTS, f"{lang}-{width}-{n}.png"), full_page=True)
            context.close()


FAKE_CAMERA = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect() { return Promise.resolve([{ rawValue: window.__ticket }]); }
};
navigator.mediaDevices.getUserMedia = () => {
  const canvas = document.createElement("canvas");
  canvas.getContext("2d").fillRect(0, 0, 10, 10);
  return Promise.resolve(canvas.captureStream(5));
};
"""


def test_the_camera_page_opens_the_scanned_ticket_for_check_in(browser, live_server):
    """Chromium on Linux has no BarcodeDetector: a stand-in reads the ticket's code (the URL the
    QR code carries, on the public address) and the page opens its check-in page here."""
    make_chapter("IN", "India chapter", ("IN",))
    make_user("organizer", email="scan@example.in", chapter="IN", password=PASSWORD)
    event = make_event("IN", title="India alumni reunion")
    member = make_member(country="IN", given_name="Hanako", family_name="Sato")
    reg = rsvc.respond(event, member, "yes").registration
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    context.add_init_script(FAKE_CAMERA + f'window.__ticket = "https://alumni.example.org/manage/check-in/{reg.ticket_token}";')
    page = context.new_page()
    log_in(page, "scan@example.in")
    page.goto(f"/manage/events/{event.id}/scan")
    expect(page.get_by_text("This browser cannot read QR codes")).to_be_hidden()
    page.get_by_role("button", name="Start the camera").click()
    page.wait_for_url(f"**/manage/check-in/{reg.ticket_token}?for={event.id}")
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("Hanako Sato is checked in.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(type(reg), reg.id).checked_in_at is not None
    context.close()
