"""Staff find a duplicate, merge it field by field behind a confirmation, and undo it — in en, ja
and ar, at 1280 and 390 px (no sideways scrolling). Screenshots go to $ALUMNI_SHOTS."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.browser.helpers import log_in, scrolls_sideways
from tests.factories import PASSWORD, make_member, make_participation, make_user

STAY = {"start_date": date(2019, 7, 1), "end_date": date(2019, 7, 7)}


@pytest.mark.parametrize("lang", ["en", "ja", "ar"])
def test_merge_and_undo(page, tmp_path, lang):
    shots = Path(os.environ.get("ALUMNI_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    kept = make_member(given_name="Wei", family_name="Zhang", country="CN", email=f"wei.{lang}@example.org")
    dup = make_member(given_name="伟", family_name="张", family_name_first=True, native_name="张伟", country="CN",
                      email=f"zhang.wei.{lang}@mail.example.cn")
    make_participation(kept, **STAY)
    make_participation(dup, **STAY)
    make_user("staff", email=f"hq-dupes-{lang}@example.org", password=PASSWORD)
    log_in(page, f"hq-dupes-{lang}@example.org")
    page.goto(f"/language?lang={lang}&next=/staff/duplicates")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/staff/duplicates")
        page.screenshot(path=str(shots / f"pairs-{lang}-{width}.png"), full_page=True)
        assert not scrolls_sideways(page), f"/staff/duplicates scrolls sideways at {width} px ({lang})"
        page.goto(f"/staff/duplicates/merge/{kept.id}/{dup.id}")
        page.screenshot(path=str(shots / f"merge-{lang}-{width}.png"), full_page=True)
        assert not scrolls_sideways(page), f"the merge page scrolls sideways at {width} px ({lang})"
    page.locator("input[name=native_name][value=duplicate]").check()
    page.locator("form.merge-form button[type=submit]").click()
    page.screenshot(path=str(shots / f"merge-confirm-{lang}.png"), full_page=True)
    page.locator("form.confirm-actions button[type=submit]").click()
    page.wait_for_url("**/staff/duplicates**")
    page.screenshot(path=str(shots / f"merged-{lang}.png"), full_page=True)
    page.locator("ul.merges form button[type=submit]").first.click()
    page.locator("form.confirm-actions button[type=submit]").click()
    page.wait_for_url("**/staff/duplicates**")
    page.screenshot(path=str(shots / f"undone-{lang}.png"), full_page=True)
    assert page.locator("ul.merges em").count() == 1
