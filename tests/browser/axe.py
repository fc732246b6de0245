"""Accessibility as axe-core (Deque's engine, not ours) judges it, run inside the browser journeys.

`assert_accessible(page)` runs axe on the page as it stands and fails on any violation of serious
or critical impact, naming the rule, the elements and where to read about it. axe is evaluated
through the DevTools protocol, so the page's CSP (script-src 'self') stays as it is."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent.parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def _axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("ALUMNI_REQUIRE_BROWSER") == "1":
            pytest.fail("tests/js/node_modules/axe-core is required in CI (make test installs it)")
        pytest.skip("axe-core missing (npm install --prefix tests/js): accessibility check skipped")
    return AXE.read_text(encoding="utf-8")


def violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[str]:
    """axe's violations on the current page with one of `impacts`, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
                                       targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])} — {v['url']}"
            for v in result if v["impact"] in impacts]


def assert_accessible(page, label: str = "") -> None:
    found = violations(page)
    assert not found, f"axe on {label or page.url}:\n" + "\n".join(found)
