"""Logging in and out in a real browser."""
from tests.factories import make_user


def test_staff_logs_in_and_out(page, tmp_path):
    make_user("staff", email="hq@example.org", password="a long enough passphrase")
    page.goto("/login")
    page.get_by_label("Email").fill("hq@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    assert page.get_by_text("Staff", exact=True).is_visible()
    page.screenshot(path=str(tmp_path / "home-staff.png"))
    page.get_by_role("button", name="Log out").click()
    assert page.get_by_text("You are logged out.").is_visible()


def test_wrong_password_shows_a_message(page):
    make_user("staff", email="hq@example.org", password="a long enough passphrase")
    page.goto("/login")
    page.get_by_label("Email").fill("hq@example.org")
    page.get_by_label("Password", exact=True).fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_text("That email and password do not match an account.").is_visible()
