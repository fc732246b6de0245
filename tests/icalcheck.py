"""Independent parsers for the calendars we write: vobject (Python) and Mozilla's ical.js (node).
Neither is the icalendar library that wrote them."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import vobject

JS_DIR = Path(__file__).parent / "js"


def parse_vobject(ics: bytes):
    return vobject.readOne(ics.decode("utf-8"), validate=True)


def parse_icaljs(ics: bytes, tmp_path: Path) -> dict:
    """What ical.js makes of the calendar; skipped (failed in CI) where node or ical.js is missing."""
    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "ical.js").exists():
        if os.environ.get("ALUMNI_REQUIRE_BROWSER") == "1":
            pytest.fail("node and tests/js/node_modules/ical.js are required in CI (make test installs them)")
        pytest.skip("node or ical.js missing (npm install --prefix tests/js): ical.js check skipped")
    path = tmp_path / "calendar.ics"
    path.write_bytes(ics)
    out = subprocess.run([node, str(JS_DIR / "parse_ics.mjs"), str(path)], capture_output=True, text=True,
                         timeout=60, check=True)
    return json.loads(out.stdout)
