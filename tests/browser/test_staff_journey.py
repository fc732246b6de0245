"""Staff imports a CSV through the upload page, then asks who came back as a researcher."""
from datetime import date

from alumni.services.import_jobs import run_pending_imports
from alumni.services.imports import COLUMNS
from alumni.services.members import find_member_by_email
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
    page.goto("/login")
    page.get_by_label("Email").fill("hq@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="Staff: overview, returnees, import").click()
    page.get_by_role("link", name="Import members").click()
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(csv_path))
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
    assert page.get_by_text("programme: SSP-Q is not a programme code", exact=False).is_visible()
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
