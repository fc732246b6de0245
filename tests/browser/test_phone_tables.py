"""On a 390 × 844 phone the organizer's event page, /me and the returnee report never scroll
sideways (a wide table scrolls inside its own box), in English, Japanese and Arabic; and
"Cancel event" goes through a page that asks first (issue 18 items 2, 3, 5)."""
import os
from datetime import date

import pytest
from playwright.sync_api import expect

from alumni.extensions import db
from alumni.models import Event, EventStatus
from alumni.services import registrations as rsvc
from tests.browser.helpers import log_in, scrolls_sideways
from tests.factories import (
    make_career,
    make_event,
    make_institution,
    make_member,
    make_participation,
    make_return,
    make_user,
)

PASSWORD = "a long enough passphrase"
SHOTS = os.environ.get("ALUMNI_SCREENSHOTS")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def too_wide(page) -> list[str]:
    """The outermost elements that stick out of the viewport (for the failure message)."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')].filter(el => {
        const r = el.getBoundingClientRect();
        return r.right > innerWidth + 1 && !(el.parentElement && el.parentElement.closest('.scroll'));
    }).slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().width))""")


def shot(page, tmp_path, name):
    page.screenshot(path=os.path.join(SHOTS or str(tmp_path), name), full_page=True)


def _forum_with_registrations():
    event = make_event("IN", kind="forum", title="4th India–Japan University Forum, IIT Hyderabad",
                       side_quotas={"IN": 40, "JP": 40})
    uni = make_institution(name="Indian Institute of Technology Hyderabad", country="IN")
    for i, (country, side) in enumerate([("IN", "IN"), ("JP", "JP"), ("KE", "IN"), ("EG", "IN")]):
        m = make_member(email=f"guest{i}@example.org", given_name="Venkataraghavan", family_name=f"Subramanian{i}",
                        native_name="வெங்கடராகவன் சுப்பிரமணியன்", country=country)
        if i == 2:
            m.country = None  # imported without a country: the table must not print "None"
        reg = rsvc.respond(event, m, "yes", institution_id=uni.id, side=side).registration
        if i == 0:
            rsvc.check_in(reg)
    db.session.commit()
    return event


def _member_with_records(email):
    member = make_member(email=email, given_name="Priya", family_name="Sharma", native_name="प्रिया शर्मा")
    host = make_institution(name="National Institute for Materials Science (NIMS), Tsukuba")
    make_participation(member, programme="LOTUS", start_date=date(2019, 4, 1), end_date=date(2020, 3, 31),
                       host_institution_id=host.id)
    make_career(member, organisation="Indian Institute of Science Education and Research, Pune",
                title="Assistant Professor of Computational Chemistry", role="faculty", country="IN")
    make_return(member, purpose="research", start_date=date(2022, 9, 1), institution_id=host.id)
    make_user("member", member=member, password=PASSWORD)
    return member


@pytest.mark.parametrize("lang", ["en", "ja", "ar"])
def test_event_page_me_and_report_do_not_scroll_sideways_on_a_phone(page, tmp_path, lang):
    event = _forum_with_registrations()
    make_user("organizer", email="org@example.in", chapter="IN", password=PASSWORD)
    _member_with_records("priya@example.in")
    make_user("staff", email="hq@example.jp", password=PASSWORD)
    sent = make_member(country="JP", given_name="Haruka", family_name="Sato")
    for start, end in ((date(2024, 6, 1), date(2024, 6, 20)), (date(2024, 9, 1), date(2024, 11, 30))):
        make_participation(sent, programme="SSP-D", direction="outbound", start_date=start, end_date=end)

    for email, paths in (("org@example.in", [f"/manage/events/{event.id}", f"/manage/events/{event.id}/cancel"]),
                         ("priya@example.in", ["/me"]),
                         ("hq@example.jp", ["/staff/returnees", "/staff/"])):
        page.context.clear_cookies()
        log_in(page, email)
        for path in paths:
            page.goto(f"/language?lang={lang}&next={path}")
            name = path.strip("/").replace("/", "-") or "home"
            page.set_viewport_size(DESKTOP)
            shot(page, tmp_path, f"{name}-{lang}-1280.png")
            page.set_viewport_size(PHONE)
            shot(page, tmp_path, f"{name}-{lang}-390.png")
            assert not scrolls_sideways(page), f"{path} scrolls sideways at 390 px in {lang}: {too_wide(page)}"
    # the registrations table is still all there: it scrolls in its own box
    page.context.clear_cookies()
    log_in(page, "org@example.in")
    page.goto(f"/manage/events/{event.id}")
    box = page.locator("table.registrations").locator("xpath=..")
    assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    assert "None" not in page.locator("table.registrations").inner_text()


def test_cancel_goes_through_a_confirmation_page(page, tmp_path):
    event = make_event("IN", title="Delhi reunion")
    rsvc.respond(event, make_member(), "yes")
    db.session.commit()
    make_user("organizer", email="org@example.in", chapter="IN", password=PASSWORD)
    log_in(page, "org@example.in")
    page.set_viewport_size(PHONE)
    page.goto(f"/manage/events/{event.id}")
    page.get_by_role("link", name="Cancel event").click()
    expect(page.get_by_role("heading", name="Cancel this event?")).to_be_visible()
    expect(page.get_by_text("Delhi reunion")).to_be_visible()
    expect(page.get_by_text("1 registered person")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.published  # asked, nothing done yet
    page.get_by_role("link", name="Go back").click()
    page.get_by_role("link", name="Cancel event").click()
    page.get_by_role("button", name="Cancel the event").click()
    expect(page.get_by_text("The event is cancelled.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == EventStatus.cancelled
    assert not scrolls_sideways(page)
