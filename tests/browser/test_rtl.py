"""Arabic pages read right to left in a real browser: the document direction, and the layout
mirrored (the brand at the right edge, the navigation at the left)."""
from tests.factories import make_event


def test_arabic_pages_render_right_to_left(page, tmp_path):
    event = make_event()
    page.goto("/language?lang=ar&next=/events/" + str(event.id))
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    width = page.evaluate("document.documentElement.clientWidth")
    brand = page.locator("header.site .brand").bounding_box()
    nav = page.locator("header.site nav").bounding_box()
    assert brand["x"] > width / 2 and nav["x"] < brand["x"]
    page.screenshot(path=str(tmp_path / "event-ar.png"), full_page=True)
    page.goto("/language?lang=en&next=/events/" + str(event.id))
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert page.locator("header.site .brand").bounding_box()["x"] < width / 2
