"""The event page and the staff overview in ja, hi, th and ar at 1280 px, as a reader sees them:
dates, times and zones as Babel writes them for the locale, and the charts' legends whole inside
their chart in Arabic (right to left). Screenshots go to $ALUMNI_SHOTS (default: the test's tmp dir)."""
import os
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_skeleton, format_time

from tests.factories import make_event, make_member, make_participation, make_return, make_user

PASSWORD = "a long enough passphrase"
LANGS = ["ja", "hi", "th", "ar"]


@pytest.fixture
def overview_data():
    for i, country in enumerate(["IN"] * 3 + ["TH"] * 2 + ["KE"]):
        m = make_member(country=country)
        make_participation(m, programme="SSP-B", start_date=date(2019 + i % 3, 7, 1), end_date=date(2019 + i % 3, 7, 20))
        make_return(m, purpose="research", start_date=date(2022, 1, 1 + i))
    for year, days in ((2023, 10), (2024, 60), (2024, 12)):
        jp = make_member(country="JP")
        make_participation(jp, programme="SSP-D", direction="outbound", start_date=date(year, 6, 1),
                           end_date=date(year, 6, 1 + min(days, 29)) if days <= 30 else date(year, 8, 1))


@pytest.mark.parametrize("lang", LANGS)
def test_event_page_and_overview_in_each_script(page, tmp_path, lang, overview_data):
    shots = Path(os.environ.get("ALUMNI_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    make_user("staff", email=f"hq-{lang}@example.org", password=PASSWORD)
    event = make_event(title="Reunion in Delhi", starts_at="2027-01-23T18:00:00", ends_at="2027-01-23T21:30:00",
                       timezone="Asia/Kolkata", venue="IIT Delhi", country="IN")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.fill("input[name=email]", f"hq-{lang}@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.form button[type=submit], form.form input[type=submit]").first.click()
    page.wait_for_url("**/")
    page.goto(f"/language?lang={lang}&next=/events/{event.id}")
    from datetime import datetime

    start = datetime(2027, 1, 23, 18, 0)
    text = page.locator("main").inner_text()
    locale = {"ja": "ja", "hi": "hi", "th": "th", "ar": "ar"}[lang]
    assert format_skeleton("yMMMEd", start, locale=locale) in text
    assert format_time(start, "short", locale=locale) in text
    page.screenshot(path=str(shots / f"event-{lang}.png"), full_page=True)

    page.goto("/staff/")
    svgs = page.locator(".charts figure > svg")
    assert svgs.count() == 4
    for i in range(svgs.count()):
        svg = svgs.nth(i)
        box = svg.bounding_box()
        for legend in svg.locator(".legends text, .legend text, .title").all():
            tb = legend.bounding_box()
            if not tb or not tb["width"]:
                continue
            assert tb["x"] >= box["x"] - 1 and tb["x"] + tb["width"] <= box["x"] + box["width"] + 1, \
                (lang, i, legend.text_content(), tb, box)
    page.screenshot(path=str(shots / f"overview-{lang}.png"), full_page=True)
    page.locator(".charts").first.screenshot(path=str(shots / f"charts-{lang}.png"))
