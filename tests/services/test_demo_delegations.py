"""`demo load` reproduces the seed brochure's forum tables: each past forum's summary equals
the brochure's row. The numbers are parsed from the brochure's text (tests/data), never taken
from the demo module."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Event
from alumni.services import registrations as rsvc
from alumni.services.demo import load_demo

BROCHURE = Path(__file__).resolve().parent.parent / "data" / "seed_brochure_ja.txt"
#: The brochure's column words → the summary's institution kinds that make them up.
COLUMNS = {"大学・研究機関": ("university", "research_institute"), "大学": ("university",),
           "関係機関": ("related_organisation",), "企業": ("company",), "機関": ("other",)}
#: The brochure's sides as they are written → the sides the forums use.
SIDES = {"インド側": "IN", "日本側": "JP", "アフリカ側": "AFRICA", "日本": "JP", "中国": "CN", "ASEAN諸国": "ASEAN"}
ORDINALS = {"第一回": 1, "第二回": 2, "第三回": 3}


def _cell(cell: str) -> dict[str, dict[str, int]]:
    """インド側33大学、日本側28大学・研究機関、6関係機関 → {IN: {大学: 33}, JP: {...}}; a side
    holds for the counts after it. 学長等 … (日本10名、中国9名) → heads of universities by side."""
    row: dict[str, dict[str, int]] = {}
    heads = re.search(r"学長等\d+名\((.*)\)", cell)
    if heads:
        for side, n in re.findall(r"([^、(]+?)(\d+)名", heads.group(1)):
            row[SIDES[side]] = {"大学": int(n)}
        return row
    side = None
    words = "|".join(sorted(COLUMNS, key=len, reverse=True))
    for match in re.finditer(rf"(インド側|日本側|アフリカ側)?(?:\([^)]*\))?(\d+)({words})", cell):
        side = SIDES[match.group(1)] if match.group(1) else side
        assert side is not None, cell
        row.setdefault(side, {})[match.group(3)] = int(match.group(2))
    return row


def brochure_rows() -> dict[str, dict[str, dict[str, int]]]:
    """The Japanese title of each past forum with a participation table row → its row."""
    rows = {}
    section = None
    for line in BROCHURE.read_text(encoding="utf-8").splitlines():
        if "「日印大学等フォーラム」を開催" in line:
            section = "日印大学等フォーラム"
        elif line.startswith("アジア アジア大学フォーラム"):
            section = "アジア大学フォーラム"
        cells = line.split("\t")
        if len(cells) < 3 or not re.search(r"\d+(大学|名\))", cells[-1]):
            continue
        if cells[0] in ORDINALS and section:
            title = cells[0] + section
        elif cells[0].startswith("日本・アフリカ大学交流会議"):
            title = cells[0]
        else:
            continue
        rows[title] = _cell(cells[-1])
    return rows


def test_the_brochure_is_read_as_printed():
    rows = brochure_rows()
    assert rows["第三回日印大学等フォーラム"] == {"IN": {"大学": 33}, "JP": {"大学・研究機関": 28, "関係機関": 6, "企業": 5}}
    assert rows["第一回アジア大学フォーラム"] == {"JP": {"大学": 10}, "CN": {"大学": 9}, "ASEAN": {"大学": 8}}
    assert len(rows) == 6  # three India–Japan forums, one Japan–Africa conference, two Asia forums


def _event(title_ja: str) -> Event:
    events = [e for e in db.session.scalars(select(Event)) if (e.translations.get("ja") or {}).get("title") == title_ja]
    assert len(events) == 1, title_ja
    return events[0]


@pytest.mark.parametrize("title", sorted(brochure_rows()))
def test_each_past_forums_summary_is_the_brochures_row(title):
    load_demo(members=0)
    load_demo(members=0)  # twice: nothing is counted twice
    db.session.commit()
    expected = brochure_rows()[title]
    summary = rsvc.summarise(_event(title))
    got = {side: row["institutions"] for side, row in summary["sides"].items() if row["people"]}
    assert set(got) == set(expected), title
    for side, columns in expected.items():
        counted = {word: sum(got[side][kind] for kind in COLUMNS[word]) for word in columns}
        assert counted == columns, (title, side)
        # ... and nothing beyond the row's columns.
        listed = {kind for word in columns for kind in COLUMNS[word]}
        assert all(n == 0 for kind, n in got[side].items() if kind not in listed), (title, side, got[side])
    if "アジア大学フォーラム" in title:  # heads of universities by side: one person each
        assert {s: r["people"] for s, r in summary["sides"].items() if r["people"]} == {
            s: c["大学"] for s, c in expected.items()}


def test_the_summary_page_api_and_csv_show_the_brochures_row(client, api):
    """For the 3rd India–Japan forum: the organizers' page, GET /events/{id}/summary and the
    table's CSV (ja and en headers) give the brochure's numbers."""
    import csv
    import io

    from tests.factories import PASSWORD, login, make_token, make_user

    load_demo(members=0)
    db.session.commit()
    title = "第三回日印大学等フォーラム"
    expected = brochure_rows()[title]
    event = _event(title)
    staff = make_user("staff", password=PASSWORD)
    summary = api.get(f"/events/{event.id}/summary", token=make_token(staff)).get_json()
    assert summary["sides"]["IN"]["institutions"]["university"] == expected["IN"]["大学"]
    jp = summary["sides"]["JP"]["institutions"]
    assert (jp["university"] + jp["research_institute"], jp["related_organisation"], jp["company"]) == (
        expected["JP"]["大学・研究機関"], expected["JP"]["関係機関"], expected["JP"]["企業"])
    login(client, staff)
    page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert f"/manage/events/{event.id}/sides.csv?lang=ja" in page
    for lang, headers in (("ja", ["側", "大学・研究機関", "関係機関", "企業"]),
                          ("en", ["Side", "Universities and research institutes", "Related organisations", "Companies"])):
        response = client.get(f"/manage/events/{event.id}/sides.csv?lang={lang}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        table = {row[headers[0]]: [int(row[h]) for h in headers[1:]] for row in rows}
        assert table == {"IN": [expected["IN"]["大学"], 0, 0],
                         "JP": [expected["JP"]["大学・研究機関"], expected["JP"]["関係機関"], expected["JP"]["企業"]]}
    assert client.get(f"/manage/events/{event.id}/sides.csv?lang=xx").status_code == 200  # English, not a 500
