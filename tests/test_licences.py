"""The service is Apache-2.0 (LICENSE) and everything it runs on must allow that: every runtime
distribution (the requirements of `sakura-alumni` without extras, plus the extras those ask for,
followed through their own requirements) declares a compatible licence in its installed metadata.
GPL, AGPL, SSPL and anything unknown or empty fail; LGPL is fine used as a library (psycopg,
pycountry, pygal). Test-only tools (the `test` and `run` extras) are not shipped and not checked:
among them translate-toolkit (pofilter, GPL-3.0-or-later), run over the catalogues by
tests/test_pofilter.py and never imported by the service, which is acceptable for a tool.
"""
from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "sakura-alumni"

OK, BAD, UNKNOWN = "compatible", "incompatible", "unknown"

# Packages whose metadata does not say a usable licence, each with the licence verified by a person
# (from its installed licence file or its repository) and why. An entry is reviewed like code:
# canonical name -> (licence verified, how).
REVIEWED: dict[str, tuple[str, str]] = {
    # WeasyPrint's hyphenation (issue 22's PDFs). Its classifiers list GPL-2.0+, LGPL-2.1+ and MPL-1.1
    # (read as "unknown": GPL is among them); it is a choice of any one of the three (dist-info
    # licenses/LICENSE: "tri-licensed", with COPYING.GPL, COPYING.LGPL and COPYING.MPL). We take it
    # under LGPL-2.1-or-later, used as an unmodified library.
    "pyphen": ("GPL-2.0-or-later OR LGPL-2.1-or-later OR MPL-1.1, used under LGPL-2.1-or-later",
               "pyphen-0.18.1.dist-info/licenses/LICENSE, read 2026-11-28"),
}

# SPDX identifiers (upper-cased), exact or by prefix.
_SPDX_OK = {
    "MIT", "MIT-0", "0BSD", "APACHE-2.0", "ISC", "PSF-2.0", "PYTHON-2.0", "MPL-2.0", "UNLICENSE",
    "CC0-1.0", "HPND", "ZLIB",
}
_SPDX_OK_PREFIXES = ("BSD-", "LGPL-")
_SPDX_BAD_PREFIXES = ("GPL-", "AGPL-", "SSPL-")

# Free text (a `License:` field or a classifier), lower-cased. Checked in this order: a licence
# text that is LGPL also names the GNU GPL, so "lesser/library" is looked for before "gpl".
_TEXT_RULES: list[tuple[str, str]] = [
    (r"\baffero\b|\bagpl|\bsspl\b|server side public license", BAD),
    (r"\blesser general public\b|\blibrary general public\b|\blgpl", OK),
    (r"\bgpl|\bgeneral public licen[cs]e\b", BAD),
    (r"proprietary", BAD),
    (r"^mit\b|\bmit licen[cs]e\b|\(mit\)|^mit-0$|permission is hereby granted, free of charge", OK),
    (r"\bbsd\b|redistribution and use in source and binary forms", OK),
    (r"\bapache\b", OK),
    (r"\bisc\b|\biscl\b", OK),
    (r"python software foundation|\bpsf\b", OK),
    (r"mozilla public license 2\.0|\bmpl[- ]?2\.0\b", OK),
    (r"\bunlicense\b|\bcc0\b|public domain", OK),
    (r"\bhpnd\b|historical permission notice and disclaimer", OK),
    (r"\bzlib\b", OK),
]


def _spdx_id(token: str) -> str:
    ident = token.upper().removesuffix("+")
    if ident in _SPDX_OK or ident.startswith(_SPDX_OK_PREFIXES):
        return OK
    if ident.startswith(_SPDX_BAD_PREFIXES):
        return BAD
    return UNKNOWN


_RANK = {BAD: 0, UNKNOWN: 1, OK: 2}


def _spdx_expression(expression: str) -> str:
    """A verdict for an SPDX expression: `A OR B` is as good as the better side (we may choose),
    `A AND B` as bad as the worse, `A WITH exception` as A. Malformed: unknown."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expression)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def atom() -> str:
        if peek() == "(":
            take()
            verdict = either()
            if peek() != ")":
                raise ValueError(expression)
            take()
            return verdict
        token = peek()
        if token is None or token.upper() in {"AND", "OR", "WITH", ")"}:
            raise ValueError(expression)
        verdict = _spdx_id(take())
        if (peek() or "").upper() == "WITH":
            take()
            if peek() is None:
                raise ValueError(expression)
            take()
        return verdict

    def both() -> str:
        verdicts = [atom()]
        while (peek() or "").upper() == "AND":
            take()
            verdicts.append(atom())
        return min(verdicts, key=_RANK.__getitem__)

    def either() -> str:
        verdicts = [both()]
        while (peek() or "").upper() == "OR":
            take()
            verdicts.append(both())
        return max(verdicts, key=_RANK.__getitem__)

    try:
        verdict = either()
    except ValueError:
        return UNKNOWN
    return verdict if pos == len(tokens) else UNKNOWN


def classify(declaration: str) -> str:
    """One licence declaration (an SPDX expression, a free-text `License:` field or the part of a
    classifier after `License ::`) -> compatible, incompatible or unknown."""
    text = declaration.strip()
    if not text:
        return UNKNOWN
    verdict = _spdx_expression(text)
    if verdict != UNKNOWN:
        return verdict
    lowered = " ".join(text.lower().split())
    for pattern, rule_verdict in _TEXT_RULES:
        if re.search(pattern, lowered):
            return rule_verdict
    return UNKNOWN


def declarations(dist: md.Distribution) -> list[str]:
    """What the metadata says: License-Expression, License (unless empty/UNKNOWN) and each
    `License ::` classifier (the bare `License :: OSI Approved` says nothing and is left out)."""
    meta = dist.metadata
    found = [value for value in meta.get_all("License-Expression") or [] if value.strip()]
    found += [value for value in meta.get_all("License") or [] if value.strip().upper() not in {"", "UNKNOWN"}]
    for classifier in meta.get_all("Classifier") or []:
        parts = [part.strip() for part in classifier.split("::")]
        if parts[0] != "License" or parts == ["License", "OSI Approved"]:
            continue
        found.append(" :: ".join(part for part in parts[1:] if part != "OSI Approved"))
    return found


def verdict(dist: md.Distribution) -> tuple[str, list[str]]:
    """Compatible only if at least one declaration is and none is incompatible or unknown."""
    found = declarations(dist)
    verdicts = [classify(text) for text in found]
    if not verdicts or UNKNOWN in verdicts:
        return UNKNOWN, found
    if BAD in verdicts:
        return BAD, found
    return OK, found


def _applies(requirement: Requirement, extras: Iterable[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras)


def _root_requirements() -> list[Requirement]:
    """The installed project's requirements plus pyproject's (the source of truth, in case the
    editable install is older than the branch), without the project's own extras."""
    installed = md.requires(PROJECT) or []
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return [req for req in map(Requirement, [*installed, *declared]) if _applies(req, [""])]


def runtime_closure() -> tuple[dict[str, md.Distribution], list[str]]:
    """Every installed distribution the service needs at runtime, by canonical name, and the
    runtime requirements that are not installed. A requirement's extras (psycopg[binary]) are
    followed: what they pull in runs in production too."""
    closure: dict[str, md.Distribution] = {}
    followed: dict[str, set[str]] = {}
    missing: list[str] = []
    queue = _root_requirements()
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        extras = {""} | {canonicalize_name(extra) for extra in requirement.extras}
        new_extras = extras - followed.get(name, set())
        if not new_extras:
            continue
        followed.setdefault(name, set()).update(new_extras)
        try:
            dist = closure.get(name) or md.distribution(requirement.name)
        except md.PackageNotFoundError:
            missing.append(str(requirement))
            continue
        closure[name] = dist
        queue += [req for req in map(Requirement, dist.requires or []) if _applies(req, new_extras)]
    return closure, missing


@pytest.mark.parametrize(("declaration", "expected"), [
    ("GPL-3.0-only", BAD),
    ("GPL-2.0-or-later", BAD),
    ("GPL-3.0+", BAD),
    ("AGPL-3.0-only", BAD),
    ("SSPL-1.0", BAD),
    ("GNU General Public License v3 (GPLv3)", BAD),
    ("GNU Affero General Public License v3", BAD),
    ("Other/Proprietary License", BAD),
    ("MIT AND GPL-3.0-only", BAD),
    ("LGPL-3.0-or-later", OK),
    ("LGPL-2.1-only", OK),
    ("GNU LGPL v3+", OK),
    ("GNU Lesser General Public License v3 or later (LGPLv3+)", OK),
    ("MIT", OK),
    ("MIT-0", OK),
    ("MIT License", OK),
    ("BSD-3-Clause", OK),
    ("BSD License", OK),
    ("Apache-2.0", OK),
    ("Apache Software License", OK),
    ("Apache-2.0 OR BSD-2-Clause", OK),
    ("GPL-2.0-only OR MIT", OK),
    ("(MIT OR GPL-3.0-only) AND Apache-2.0 WITH LLVM-exception", OK),
    ("ISC", OK),
    ("PSF-2.0", OK),
    ("Python Software Foundation License", OK),
    ("MPL-2.0", OK),
    ("Mozilla Public License 2.0 (MPL 2.0)", OK),
    ("Unlicense", OK),
    ("The Unlicense (Unlicense)", OK),
    ("CC0-1.0", OK),
    ("Public Domain", OK),
    ("HPND", OK),
    ("Zlib", OK),
    ("Copyright 2008 WTForms\n\nRedistribution and use in source and binary forms, with or without", OK),
    ("", UNKNOWN),
    ("   ", UNKNOWN),
    ("UNKNOWN", UNKNOWN),
    ("Freely Distributable", UNKNOWN),
    ("EPL-2.0", UNKNOWN),
    ("Mozilla Public License 1.1 (MPL 1.1)", UNKNOWN),
    ("permit redistribution", UNKNOWN),
    ("GPL-3.0-only WITH", BAD),  # malformed, and still named GPL
])
def test_a_licence_declaration_is_classified(declaration, expected):
    assert classify(declaration) == expected


def test_a_package_with_any_incompatible_or_unknown_declaration_fails():
    class Fake(md.Distribution):
        def __init__(self, lines: str) -> None:
            self.lines = lines

        def read_text(self, filename):
            return self.lines if filename == "METADATA" else None

        def locate_file(self, path):
            raise NotImplementedError

    assert verdict(Fake("Name: a\nLicense-Expression: MIT\n"))[0] == OK
    assert verdict(Fake("Name: a\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n"))[0] == OK
    assert verdict(Fake("Name: a\nLicense: MIT\nClassifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)\n"))[0] == BAD
    assert verdict(Fake("Name: a\nLicense: MIT\nClassifier: License :: Freely Distributable\n"))[0] == UNKNOWN
    assert verdict(Fake("Name: a\nLicense: UNKNOWN\nClassifier: License :: OSI Approved\n"))[0] == UNKNOWN
    assert verdict(Fake("Name: a\n"))[0] == UNKNOWN


def test_the_project_is_apache_2_0():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.split()[:3] == ["Apache", "License", "Version"] and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_every_runtime_dependency_has_a_licence_compatible_with_apache_2_0():
    closure, missing = runtime_closure()
    assert not missing, f"runtime requirements not installed (pip install -e .): {missing}"
    closure.pop(canonicalize_name(PROJECT), None)  # ours: checked by test_the_project_is_apache_2_0
    # The closure really is followed: direct requirements, theirs, and requested extras.
    for name in ("flask", "werkzeug", "markupsafe", "psycopg", "psycopg-binary", "redis", "pygal"):
        assert name in closure, name
    assert "pytest" not in closure and "honcho" not in closure

    problems = []
    for name, dist in sorted(closure.items()):
        found_verdict, found = verdict(dist)
        if found_verdict == OK:
            continue
        if found_verdict == UNKNOWN and name in REVIEWED:
            continue
        said = [" ".join(text.split())[:80] for text in found] or ["(none declared)"]
        problems.append(f"{dist.metadata['Name']} {dist.version}: {found_verdict} licence {said}")
    assert not problems, "runtime dependencies whose licence is not Apache-2.0-compatible:\n" + "\n".join(problems)


def test_the_reviewed_list_holds_only_packages_that_need_it():
    closure, _ = runtime_closure()
    for name in REVIEWED:
        assert name in closure, f"{name} is no longer a runtime dependency: drop it from REVIEWED"
        assert verdict(closure[name])[0] == UNKNOWN, f"{name} now declares its licence: drop it from REVIEWED"
