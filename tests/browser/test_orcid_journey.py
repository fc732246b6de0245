"""ORCID as a member uses it in Chromium (issue 21, item 4): connect the iD (the browser really
goes to the stand-in's sign-in and back), review what was found, untick one, change a role, save;
the career table shows the entries; the iD is shown as its https://orcid.org URL. Then the
pages at 1280 and 390 px in en, ja and ar, without sideways scrolling. Screenshots go to
$ALUMNI_SHOTS (default: the test's tmp dir)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import CareerEntry
from tests.browser.helpers import log_in, scrolls_sideways
from tests.factories import PASSWORD, make_institution, make_member, make_user
from tests.orcid_standin import ORCID_ID


@pytest.fixture
def orcid_live(orcid, app, live_server, monkeypatch):
    """The stand-in sends the browser back to the live server: BASE_URL is where it serves."""
    monkeypatch.setitem(app.config, "BASE_URL", live_server)
    return orcid


def test_connect_review_and_import(page, orcid_live, tmp_path):
    shots = Path(os.environ.get("ALUMNI_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    tokyo = make_institution(name="The University of Tokyo", country="JP", names={"ja": "東京大学"})
    tokyo.ror_id = "057zh3y96"
    db.session.commit()
    member = make_member(email="carberry@example.org", given_name="Josiah", family_name="Carberry")
    make_user(member=member, password=PASSWORD)
    log_in(page, "carberry@example.org")

    page.goto("/me#orcid")
    page.locator("#orcid").screenshot(path=str(shots / "orcid-section-unlinked-en-1280.png"))
    page.get_by_role("link", name="Connect your ORCID iD").click()
    page.wait_for_url("**/me/orcid/import")
    assert f"https://orcid.org/{ORCID_ID}" in page.locator("main").inner_text()
    rows = page.locator("form.orcid-review tbody tr")
    assert rows.count() == 4
    assert page.locator("input[name=put_code]:checked").count() == 3
    page.screenshot(path=str(shots / "orcid-review-en-1280.png"), full_page=True)

    page.locator("#pick-1002").uncheck()          # not IIT Hyderabad
    page.locator("#role-1001").select_option("researcher")  # the member corrects the guess
    page.get_by_role("button", name="Save the ticked entries").click()
    page.wait_for_url("**/me#careers")
    careers = page.locator("#careers").inner_text()
    assert "The University of Tokyo" in careers and "Kyoto University" in careers
    assert "Indian Institute of Technology Hyderabad" not in careers
    db.session.expire_all()
    assert sorted((c.orcid_put_code, c.role.value) for c in db.session.scalars(select(CareerEntry))) == [
        (1001, "researcher"), (2001, "student")]

    for lang in ("en", "ja", "ar"):
        page.goto(f"/language?lang={lang}&next=/me")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for name, path in (("me", "/me#orcid"), ("review", "/me/orcid/import")):
                page.goto(path)
                assert not scrolls_sideways(page), f"{name} scrolls sideways at {width} px in {lang}"
                page.screenshot(path=str(shots / f"orcid-{name}-{lang}-{width}.png"), full_page=True)
                if name == "me":
                    page.locator("#orcid").screenshot(path=str(shots / f"orcid-section-{lang}-{width}.png"))
        if lang == "ar":
            assert page.locator("html").get_attribute("dir") == "rtl"
    # the unlink confirmation, on a phone
    page.goto("/language?lang=en&next=/me")
    page.goto("/me#orcid")
    page.get_by_role("button", name="Unlink ORCID iD").click()
    assert "Unlink your ORCID iD?" in page.locator("main").inner_text()
    assert not scrolls_sideways(page)
    page.screenshot(path=str(shots / "orcid-unlink-en-390.png"), full_page=True)
