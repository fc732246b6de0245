"""The Nu HTML checker (vnu.jar from the npm package vnu-jar, run with Debian's Java): the
validator behind validator.w3.org, which we did not write. Skipped where Java or the jar is
missing — except in CI (ALUMNI_REQUIRE_BROWSER=1), where that fails the run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VNU = Path(__file__).parent / "js" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Every error the checker finds in `pages` ({name: html}), as "name:line: message"; all
    pages in one run of the checker (its start-up is the slow part)."""
    java = shutil.which("java")
    if java is None or not VNU.exists():
        if os.environ.get("ALUMNI_REQUIRE_BROWSER") == "1":
            pytest.fail("java and tests/js/node_modules/vnu-jar are required in CI (make test installs them)")
        pytest.skip("java or vnu-jar missing (npm install --prefix tests/js): HTML check skipped")
    names = {}
    for n, (name, html) in enumerate(sorted(pages.items())):
        path = folder / f"page{n}.html"
        path.write_text(html, encoding="utf-8")
        names[path.resolve().as_uri()] = name
    done = subprocess.run([java, "-Xss8m", "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, sorted(
        folder.glob("page*.html")))], capture_output=True, text=True, timeout=300)
    report = json.loads(done.stderr or done.stdout or '{"messages": []}')
    errors = []
    for message in report["messages"]:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        url = message.get("url", "")
        name = names.get(url) or names.get(url.replace("file:/", "file:///", 1)) or url
        errors.append(f"{name}:{message.get('lastLine', '?')}: {message['message']}  [{message.get('extract', '')!r}]")
    return errors
