"""What the browser journeys share: logging in through the form, and the phone-width check."""
from __future__ import annotations

from tests.factories import PASSWORD


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form, by the fields' ids (so in any language), and wait for the
    redirect that says it worked."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form.form [type=submit]").click()
    page.wait_for_url("**/")


def scrolls_sideways(page) -> bool:
    """Whether the page is wider than the window (a phone would scroll it sideways)."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
