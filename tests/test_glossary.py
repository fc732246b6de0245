"""translations/GLOSSARY.md fixes one name per language for the club, its programmes and its
forums. Every catalogue follows it: wherever a msgid contains a term, the msgstr (every plural
form) contains that language's rendering and none of the variants the glossary forbids."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
GLOSSARY = TRANSLATIONS / "GLOSSARY.md"
LANGUAGES = ["en", "ja", "zh_Hans", "hi", "th", "ar", "fr", "es", "id", "vi"]


def _tables(text: str) -> dict[str, list[dict[str, str]]]:
    """The tables of the glossary under their `## heading`, each row as {column: cell}."""
    tables: dict[str, list[dict[str, str]]] = {}
    heading, header = "", None
    for line in text.splitlines():
        if line.startswith("## "):
            heading, header = line[3:].strip(), None
            continue
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not all(re.fullmatch(r"-+", c) for c in cells):
            tables.setdefault(heading, []).append(dict(zip(header, cells, strict=True)))
    return tables


TABLES = _tables(GLOSSARY.read_text(encoding="utf-8"))
NAMES = TABLES["Names (machine-read)"]
FORBIDDEN = TABLES["Forbidden variants (machine-read)"]
LOCALES = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())


def _entries(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalogue = read_po(f)
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield " ".join(ids), [s for s in strings if s]


def test_glossary_names_every_language_once():
    assert NAMES and FORBIDDEN
    for row in NAMES:
        assert set(LANGUAGES) <= set(row), row["term"]
        assert all(row[lang] for lang in LANGUAGES), f"{row['term']}: a language has no rendering"
        assert row["en"] == row["term"]
    assert set(LOCALES) == set(LANGUAGES) - {"en"}
    for row in FORBIDDEN:
        assert row["lang"] in LANGUAGES and row["term"] in {r["term"] for r in NAMES}, row
        rendering = next(r[row["lang"]] for r in NAMES if r["term"] == row["term"])
        assert row["forbidden variant"] not in rendering, f"{row}: forbids its own rendering"
        assert row["why"], row


def test_the_japanese_names_are_the_official_ones():
    ja = {row["term"]: row["ja"] for row in NAMES}
    assert ja["Sakura Science Club"] == "さくらサイエンスクラブ"
    assert ja["Sakura Science Program"] == "さくらサイエンスプログラム"
    assert ja["India–Japan University Forum"] == "日印大学等フォーラム"
    assert ja["Japan–Africa University Exchange Conference"] == "日本・アフリカ大学交流会議"
    assert ja["Asia University Forum"] == "アジア大学フォーラム"


def departures(locale: str, entries) -> list[str]:
    problems = []
    for msgid, strings in entries:
        for row in NAMES:
            if row["term"] not in msgid:
                continue
            for string in strings:
                if row[locale] not in string:
                    problems.append(f"{row['term']!r} is not {row[locale]!r} in: {string[:80]}")
        for bad in FORBIDDEN:
            if bad["lang"] == locale and bad["term"] in msgid:
                problems += [f"forbidden {bad['forbidden variant']!r} ({bad['why']}) in: {s[:80]}"
                             for s in strings if bad["forbidden variant"] in s]
    return problems


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_follows_the_glossary(locale):
    problems = departures(locale, _entries(locale))
    assert not problems, f"{locale}: {len(problems)} departures from translations/GLOSSARY.md:\n" + "\n".join(problems[:30])


def test_the_check_sees_a_translated_or_half_translated_brand():
    msgid = "Join the Sakura Science Club"
    assert departures("hi", [(msgid, ["Sakura Science क्लब में शामिल हों"])])
    assert departures("vi", [(msgid, ["Tham gia Câu lạc bộ Sakura Science"])])
    assert departures("ja", [(msgid, ["サクラサイエンスクラブに入会"])])
    assert not departures("hi", [(msgid, ["Sakura Science Club में शामिल हों"])])
    assert not departures("fr", [("Sessions of the club", ["Séances du club"])])
