"""Real-browser tests: the app served on a loopback port, driven by Debian's Chromium through
Playwright. Without /usr/bin/chromium these tests are skipped with a reason — except where
ALUMNI_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if os.environ.get("ALUMNI_REQUIRE_BROWSER") == "1":
        pytest.fail("Debian's chromium is not installed, and ALUMNI_REQUIRE_BROWSER=1 says it must be.")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium): browser tests skipped.")


@pytest.fixture(scope="session")
def live_server(app):
    """The app on 127.0.0.1:<free port>, in a thread, against the test database."""
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    yield url
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
