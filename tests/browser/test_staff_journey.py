"""Staff imports a CSV through the upload page, then asks who came back as a researcher; and
the same from their own spreadsheet (.xlsx), with every problem of a row shown at once."""
from datetime import date, datetime
from urllib.parse import quote

from alumni.services.import_jobs import run_pending_imports
from alumni.services.imports import COLUMNS
from alumni.services.members import find_member_by_email
from tests.browser.axe import assert_accessible
from tests.browser.helpers import log_in, scrolls_sideways
from tests.factories import make_return, make_user

PASSWORD = "a long enough passphrase"


def test_staff_imports_then_reads_the_returnee_report(page, tmp_path):
    make_user("staff", email="hq@example.org", password=PASSWORD)
    csv_path = tmp_path / "members.csv"
    csv_path.write_text(",".join(COLUMNS) + "\n"
                        "priya@example.in,Priya,Sharma,प्रिया शर्मा,IN,hi,Chemistry,SSP-B,2019,inbound,"
                        "2019-07-01,2019-07-20,Kyoto University,JP,IIT Delhi,IN\n"
                        "bad@example.org,Bad,Row,,IN,en,,SSP-Q,2019,inbound,2019-07-01,2019-07-20,,,,\n",
                        encoding="utf-8")
    log_in(page, "hq@example.org")
    page.get_by_role("link", name="Staff: overview, returnees, import").click()
    page.get_by_role("link", name="Import members").click()
    page.get_by_label("CSV (UTF-8) or Excel (.xlsx) file").set_input_files(str(csv_path))
    page.get_by_role("button", name="Import").click()
    # The upload is queued; the job page follows it and reloads itself until it is finished.
    page.wait_for_url("**/staff/imports/*")
    assert page.get_by_role("heading", name="Waiting to start…").is_visible()
    page.screenshot(path=str(tmp_path / "import-waiting.png"), full_page=True)
    run_pending_imports()  # the scheduler's task
    page.get_by_text("created 1, updated 0, unchanged 0, rejected 1").wait_for(timeout=15_000)
    viewport = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than a phone
    page.screenshot(path=str(tmp_path / "import-390.png"), full_page=True)
    page.set_viewport_size(viewport)
    assert page.get_by_text("SSP-Q is not a programme code", exact=False).is_visible()
    page.screenshot(path=str(tmp_path / "import.png"), full_page=True)

    make_return(find_member_by_email("priya@example.in"), purpose="research", start_date=date(2021, 4, 1))
    page.get_by_role("link", name="Returnees", exact=True).click()
    page.get_by_label("Country of origin").select_option(label="India")
    page.get_by_role("button", name="Show").click()
    assert page.locator("#total").inner_text() == "1"
    assert page.get_by_role("cell", name="प्रिया शर्मा Priya Sharma").is_visible()
    # every person links to their record
    page.get_by_role("link", name="प्रिया शर्मा Priya Sharma").click()
    page.wait_for_url("**/members/*")
    page.go_back()
    assert page.locator(".charts svg").count() == 3
    page.screenshot(path=str(tmp_path / "returnees.png"), full_page=True)
    page.get_by_role("link", name="Overview", exact=True).click()
    assert page.locator("#came-back-share").inner_text() == "100%"
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)


GOOD = ["priya@example.in", "Priya", "Sharma", "प्रिया शर्मा", "IN", "hi", "Chemistry", "SSP-B", 2019.0, "inbound",
        datetime(2019, 7, 1), datetime(2019, 7, 20), "Kyoto University", "JP", "IIT Delhi", "IN"]


def _workbook(path, rows) -> str:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return str(path)


def _check_page(page, label: str) -> None:
    """No sideways scroll on a 390 x 844 phone, and no serious or critical axe violation."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    assert not scrolls_sideways(page), f"{label} scrolls sideways"
    assert_accessible(page, f"{label} at 390 px")
    page.set_viewport_size(viewport)
    assert_accessible(page, label)


def test_staff_imports_their_spreadsheet_sees_every_problem_fixes_it_and_reads_the_report(page, tmp_path):
    make_user("staff", email="hq@example.org", password=PASSWORD)
    # One row with three problems: a bad country, an unknown programme and reversed dates.
    bad = ["asel@example.kz", "Asel", "Nurlanovna", "", "XX", "ru", "Physics", "SSP-Q", 2019.0, "inbound",
           datetime(2019, 7, 20), datetime(2019, 7, 1), "", "", "", ""]
    bad[5] = "en"
    first = _workbook(tmp_path / "members.xlsx", [GOOD, bad])
    log_in(page, "hq@example.org")
    page.get_by_role("link", name="Staff: overview, returnees, import").click()
    page.get_by_role("link", name="Import members").click()
    pages = [page.url]
    _check_page(page, "upload page")
    # the preview: the first rows as they will be read (Excel dates and numbers as text)
    page.get_by_label("CSV (UTF-8) or Excel (.xlsx) file").set_input_files(first)
    page.get_by_role("button", name="Preview the first rows").click()
    preview = page.locator("table.import-preview")
    assert preview.get_by_role("cell", name="2019-07-01").first.is_visible()
    assert preview.get_by_role("cell", name="2019", exact=True).first.is_visible()
    assert preview.get_by_role("cell", name="SSP-Q").is_visible()
    _check_page(page, "preview")
    page.get_by_label("CSV (UTF-8) or Excel (.xlsx) file").set_input_files(first)
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/staff/imports/*")
    run_pending_imports()
    page.get_by_text("created 1, updated 0, unchanged 0, rejected 1").wait_for(timeout=15_000)
    problems = page.locator("table.import-errors tbody tr")
    assert problems.count() == 3  # all three, not only the first
    texts = [problems.nth(i).inner_text() for i in range(3)]
    assert "country" in texts[0] and "XX" in texts[0]
    assert "programme" in texts[1] and "SSP-Q is not a programme code" in texts[1]
    assert "end_date" in texts[2] and "before the start date" in texts[2]
    pages.append(page.url)
    _check_page(page, "job with problems")

    # fix the file, import it again
    bad[4], bad[7], bad[10], bad[11] = "KZ", "SSP-A", datetime(2019, 7, 1), datetime(2019, 7, 7)
    fixed = _workbook(tmp_path / "members-fixed.xlsx", [GOOD, bad])
    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("CSV (UTF-8) or Excel (.xlsx) file").set_input_files(fixed)
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/staff/imports/*")
    run_pending_imports()
    page.get_by_text("created 1, updated 0, unchanged 1, rejected 0").wait_for(timeout=15_000)
    assert page.locator("table.import-errors").count() == 0
    pages.append(page.url)
    _check_page(page, "job done")

    make_return(find_member_by_email("priya@example.in"), purpose="research", start_date=date(2021, 4, 1))
    page.get_by_role("link", name="Returnees", exact=True).click()
    page.get_by_label("Country of origin").select_option(label="India")
    page.get_by_role("button", name="Show").click()
    assert page.locator("#total").inner_text() == "1"
    pages.append(page.url)
    _check_page(page, "returnee report")
    page.get_by_role("link", name="प्रिया शर्मा Priya Sharma").click()
    page.wait_for_url("**/members/*")
    assert page.get_by_role("heading", name="Priya Sharma", exact=False).first.is_visible()
    pages.append(page.url)
    _check_page(page, "member record")

    # the same pages in Arabic (right to left)
    for url in pages:
        path = url.split("://", 1)[1].split("/", 1)[1]
        page.goto("/language?lang=ar&next=" + quote("/" + path, safe=""))
        assert page.evaluate("document.documentElement.lang") == "ar"
        _check_page(page, f"/{path} in ar")


def test_the_staff_header_stays_on_one_line_at_1280_px_in_every_script(page):
    """Issue 18: the staff header wrapped at 1280 px. Staff get one link to their area in the
    header; held addresses and the access log are tabs of that area."""
    make_user("staff", email="hq@example.org", password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, "hq@example.org")
    one_line = page.evaluate("document.querySelector('header a').getBoundingClientRect().height") * 2.2
    for lang in ("en", "ja", "ar", "hi", "th"):
        page.goto(f"/language?lang={lang}&next=/staff/")
        height = page.evaluate("document.querySelector('header').getBoundingClientRect().height")
        assert height < one_line + 24, (lang, height)
        tabs = page.locator("nav.tabs a")
        assert tabs.count() == 8  # overview, returnees, update rounds, import, duplicates, tokens, held addresses, access log
