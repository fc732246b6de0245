"""A translation reviewer's check: translate-toolkit's `pofilter` over every catalogue, with the
tests of translations/pofilter.toml (noise tests skipped per language there, each with its reason).
Any finding not accepted in translations/pofilter-accepted.txt fails, and so does an accepted
entry that no longer matches a finding (the list must not rot).

Accepted entries are one a line: `LANG | TEST | MSGID | REASON` (the msgid exactly, its first
form for plurals). `python -m tests.test_pofilter` prints the current findings in that form.
"""
from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

# translate-toolkit is in the `test` extra (GPL-3.0-or-later: a test tool, never shipped or imported
# by the service). Imported outright: a missing tool must fail the suite, not skip the review.
from translate.filters import checks
from translate.storage import po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
CONFIG = tomllib.loads((TRANSLATIONS / "pofilter.toml").read_text(encoding="utf-8"))
ACCEPTED_FILE = TRANSLATIONS / "pofilter-accepted.txt"
LOCALES = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())
NUMBER_TESTS = {"printf", "variables", "numbers", "brackets"}

Finding = tuple[str, str, str]  # locale, test, msgid


def _tests_for(locale: str) -> list[str]:
    skipped = CONFIG.get("skip", {}).get(locale, {})
    return [t for t in CONFIG["tests"] if t not in skipped]


def _checker(locale: str, tests: list[str]):
    config = checks.CheckerConfig(targetlanguage=locale.split("_")[0])
    return checks.TeeChecker(
        checkerconfig=config, limitfilters=tests, languagecode=locale.split("_")[0],
        checkerclasses=[checks.StandardChecker, checks.StandardUnitChecker],
    )


def findings(locale: str) -> Iterator[Finding]:
    tests = _tests_for(locale)
    checker = _checker(locale, tests)
    spelled_out = set(CONFIG.get("spelled_out_plural_forms", {}).get(locale, []))
    plain_checker = _checker(locale, [t for t in tests if t not in NUMBER_TESTS])
    store = po.pofile.parsefile(str(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"))
    for unit in store.units:
        if unit.isheader() or unit.isobsolete():
            continue
        msgid = str(unit.source.strings[0] if unit.hasplural() else unit.source)
        failed: set[str] = set()
        if unit.hasplural():
            failed |= set(checker.run_filters(unit).keys()) & {"nplurals"}
            sources = unit.source.strings
            for index, form in enumerate(unit.target.strings):
                one = po.pounit(str(sources[min(index, len(sources) - 1)]))
                one.target = str(form)
                use = plain_checker if index in spelled_out else checker
                failed |= set(use.run_filters(one).keys()) - {"nplurals"}
        else:
            failed |= set(checker.run_filters(unit).keys())
        for test in sorted(failed):
            yield locale, test, msgid


def _accepted() -> dict[Finding, str]:
    accepted: dict[Finding, str] = {}
    for number, line in enumerate(ACCEPTED_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ")]
        assert len(parts) == 4 and all(parts), f"pofilter-accepted.txt:{number}: want LANG | TEST | MSGID | REASON"
        locale, test, msgid, reason = parts
        accepted[(locale, test, msgid.replace("\\n", "\n"))] = reason
    return accepted


def test_config_names_only_real_tests_and_locales():
    known = set(_checker("fr", CONFIG["tests"]).getfilters().keys()) | {"nplurals"}
    assert set(CONFIG["tests"]) <= known
    for locale, skipped in CONFIG.get("skip", {}).items():
        assert locale in LOCALES, locale
        for test, reason in skipped.items():
            assert test in CONFIG["tests"], f"{locale}: skips {test}, which is not run anyway"
            assert len(reason) > 20, f"{locale}: {test} is skipped without a reason"


@pytest.mark.parametrize("locale", LOCALES)
def test_pofilter_finds_nothing_unreviewed(locale):
    accepted = {k for k in _accepted() if k[0] == locale}
    found = set(findings(locale))
    new = sorted(found - accepted)
    stale = sorted(accepted - found)
    assert not new, f"{locale}: {len(new)} pofilter findings not reviewed:\n" + "\n".join(
        f"{loc} | {test} | {msgid}" for loc, test, msgid in new[:40])
    assert not stale, f"{locale}: accepted entries that pofilter no longer reports (remove them): {stale[:10]}"


def test_pofilter_catches_a_dropped_placeholder():
    unit = po.pounit("Hello %(name)s, see https://example.org.")
    unit.target = "Bonjour, voir https://exemple.org."
    failed = _checker("fr", _tests_for("fr")).run_filters(unit)
    assert {"printf", "urls"} <= set(failed)


if __name__ == "__main__":
    for loc in LOCALES:
        for loc_, test, msgid in findings(loc):
            print(f"{loc_} | {test} | {msgid.replace(chr(10), chr(92) + 'n')} | ")
