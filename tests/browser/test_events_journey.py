"""The organizer → member journey in a real browser: create, publish, RSVP, check-in."""
import os

from playwright.sync_api import expect
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Event, Registration, RegistrationStatus
from tests.browser.helpers import log_in
from tests.factories import make_member, make_user

PASSWORD = "a long enough passphrase"
SHOTS = os.environ.get("ALUMNI_SCREENSHOTS")


def shot(page, tmp_path, name):
    path = os.path.join(SHOTS or str(tmp_path), name)
    page.screenshot(path=path, full_page=True)
    return path


def test_organizer_creates_publishes_member_rsvps_and_is_checked_in(page, browser, live_server, tmp_path):
    make_user("organizer", email="org@example.in", password=PASSWORD)
    member = make_member(email="priya@example.in", given_name="Priya", family_name="Sharma",
                         native_name="प्रिया शर्मा", timezone="Asia/Tokyo")
    make_user("member", member=member, password=PASSWORD)

    # The organizer creates the event and publishes it.
    log_in(page, "org@example.in")
    page.get_by_role("link", name="Manage events").click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Title", exact=True).fill("7th India alumni reunion")
    page.get_by_label("Description", exact=True).fill("Talks, networking and dinner.")
    page.get_by_label("Starts (local time)").fill("2030-01-18T18:00")
    page.get_by_label("Ends (local time)").fill("2030-01-19T13:00")
    page.get_by_role("combobox", name="Time zone").fill("Kolkata")  # the picker: type, then Enter takes the first match
    page.get_by_role("combobox", name="Time zone").press("Enter")
    page.get_by_label("Venue", exact=True).fill("India Habitat Centre, New Delhi")
    page.get_by_role("combobox", name="Country of the venue").fill("IN")
    page.get_by_role("combobox", name="Country of the venue").press("Enter")
    page.get_by_label("Capacity").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("saved as a draft")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The event is published.")).to_be_visible()
    event = db.session.scalar(select(Event))
    assert event.status.value == "published" and event.starts_at.hour == 18 and event.timezone == "Asia/Kolkata"

    # The member finds it and answers yes.
    member_ctx = browser.new_context(base_url=live_server, locale="en-US")
    mpage = member_ctx.new_page()
    mpage.set_default_timeout(10_000)
    log_in(mpage, "priya@example.in")
    mpage.get_by_role("link", name="Events", exact=True).click()
    mpage.get_by_role("link", name="7th India alumni reunion").click()
    expect(mpage.get_by_text("Multi-day event")).to_be_visible()
    expect(mpage.get_by_text("2 places left")).to_be_visible()
    expect(mpage.get_by_text("your time, Japan Standard Time, GMT+09:00")).to_be_visible()
    mpage.get_by_role("button", name="Yes, I will come").click()
    expect(mpage.get_by_text("You are registered.")).to_be_visible()
    expect(mpage.get_by_text("1 place left")).to_be_visible()
    shot(mpage, tmp_path, "event-page-member.png")
    mpage.get_by_role("link", name="Show my ticket").click()
    expect(mpage.locator(".qr svg")).to_be_visible()
    member_ctx.close()

    # The organizer checks her in by name.
    page.get_by_role("link", name="Check-in").click()
    page.get_by_label("Name").fill("sharma")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("is checked in")).to_be_visible()
    page.goto(f"/manage/events/{event.id}")
    expect(page.get_by_text("प्रिया शर्मा").first).to_be_visible()
    shot(page, tmp_path, "organizer-registrations.png")
    db.session.expire_all()
    reg = db.session.scalar(select(Registration))
    assert reg.status == RegistrationStatus.yes and reg.checked_in_at is not None
