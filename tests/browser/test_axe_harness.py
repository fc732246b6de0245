"""The accessibility check itself: it must find what axe finds, or every journey's check is empty."""
from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible, violations


def test_axe_finds_a_nameless_button_and_an_image_without_text_under_our_csp(browser):
    page = browser.new_page()
    try:
        page.set_content("<html lang='en'><head><meta http-equiv='Content-Security-Policy' "
                         "content=\"script-src 'self'\"><title>t</title></head>"
                         "<body><main><img src='x.png'><button></button></main></body></html>")
        found = " ".join(violations(page))
        assert "button-name" in found and "image-alt" in found
        with pytest.raises(AssertionError, match="button-name"):
            assert_accessible(page, "a bad page")
    finally:
        page.close()
