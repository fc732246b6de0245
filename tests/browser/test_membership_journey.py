"""The membership journeys in a real browser: join → confirm from the mail → log in → complete
the profile → find a classmate; and a password reset. Mail goes through a real SMTP server."""
import re
import time
from datetime import date
from pathlib import Path

from playwright.sync_api import expect

from tests.factories import deliver_mail, make_account, make_member, make_participation

LINK = re.compile(r"http://alumni\.test(/(?:verify|reset)/[\w.\-]+)")
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


def mailed_path(mailbox, address) -> str:
    """The link in the one mail to `address`, sent by the worker (run here, as `mail deliver` would)."""
    deadline = time.monotonic() + 10
    while not mailbox.to(address) and time.monotonic() < deadline:
        deliver_mail()
        time.sleep(0.05)
    [mail] = mailbox.to(address)
    return LINK.search(mail.text()).group(1)


def test_join_confirm_complete_profile_and_find_a_classmate(page, mailbox):
    classmate = make_member(email="jose@example.mx", given_name="José", family_name="García",
                            country="MX", field="Robotics", visibility="members")
    make_participation(classmate, programme="SSP-A", start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))
    make_member(email="hidden@example.org", given_name="Josefina", visibility="hidden")

    page.goto("/")
    page.get_by_role("link", name="Join").click()
    page.get_by_label("Given name").fill("Hanako")
    page.get_by_label("Family name").fill("Sato")
    page.get_by_label("Email").fill("hanako@example.jp")
    page.get_by_label("Password", exact=True).fill("sakura science 2019 kyoto")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    page.goto(mailed_path(mailbox, "hanako@example.jp"))
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()
    page.get_by_label("Email").fill("hanako@example.jp")
    page.get_by_label("Password", exact=True).fill("sakura science 2019 kyoto")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="My profile").click()
    expect(page.get_by_text("Three steps to get started")).to_be_visible()
    page.get_by_role("link", name="Complete your profile").click()
    page.get_by_label("Name in your own script").fill("佐藤 花子")
    page.get_by_label("Write my family name first").check()
    page.get_by_role("combobox", name="Country or region of origin").fill("Japan")
    page.get_by_role("combobox", name="Country or region of origin").press("Enter")
    page.get_by_role("combobox", name="Time zone").fill("Tokyo")
    page.get_by_role("combobox", name="Time zone").press("Enter")
    page.get_by_label("Field of research or study").fill("Marine biology")
    page.get_by_label("Who can find me in the directory").select_option("members")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "profile.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="佐藤 花子 (Sato Hanako)")).to_be_visible()

    page.get_by_role("link", name="Add a programme").first.click()
    page.get_by_label("Programme").select_option("SSP-A")
    page.get_by_label("First day", exact=True).fill("2019-07-01")
    page.get_by_label("Last day", exact=True).fill("2019-07-07")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="2019", exact=True)).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "me.png"), full_page=True)

    page.get_by_role("link", name="Directory").click()
    page.get_by_label("Name").fill("jose")
    page.get_by_label("Cohort (fiscal year)").select_option("2019")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 member found")).to_be_visible()
    expect(page.get_by_role("link", name="José García")).to_be_visible()
    expect(page.get_by_text("Josefina")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "directory.png"), full_page=True)
    page.get_by_role("link", name="José García").click()
    expect(page.get_by_role("heading", name="José García")).to_be_visible()
    expect(page.get_by_text("Robotics")).to_be_visible()


def test_password_reset(page, mailbox):
    make_account("kwame@example.gh", password="the old passphrase", given_name="Kwame")
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("kwame@example.gh")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    path = mailed_path(mailbox, "kwame@example.gh")
    page.goto(path)
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Save the password").click()
    expect(page.locator("#password-error")).to_be_visible()  # shown next to the field
    page.get_by_label("New password").fill("the new passphrase, longer")
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_text("Your password is set")).to_be_visible()
    page.get_by_label("Email").fill("kwame@example.gh")
    page.get_by_label("Password", exact=True).fill("the new passphrase, longer")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My profile")).to_be_visible()
    page.goto(path)  # the link works once
    expect(page.get_by_text("already been used")).to_be_visible()


def test_invitations_switch_on_the_profile(page):
    from tests.browser.helpers import log_in
    from tests.browser.test_events_journey import PASSWORD

    make_account("amina@example.ke", password=PASSWORD, given_name="Amina")
    log_in(page, "amina@example.ke")
    page.get_by_role("link", name="My profile").click()
    section = page.locator("#invitations")
    expect(section.get_by_text("You receive invitations to alumni events")).to_be_visible()
    section.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("status")).to_have_text("You will receive no more invitations.")
    expect(page.locator("#invitations").get_by_role("button", name="Subscribe again")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "me-invitations.png"), full_page=True)
    page.locator("#invitations").get_by_role("button", name="Subscribe again").click()
    expect(page.get_by_role("status")).to_have_text("You will receive invitations again.")
    expect(page.locator("#invitations").get_by_role("button", name="Unsubscribe")).to_be_visible()
