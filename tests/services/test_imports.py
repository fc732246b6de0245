"""CSV import and export of members (INTERFACES.md "members import" / "members export")."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.models import Institution, Member, Participation
from alumni.services.imports import (
    COLUMNS,
    decode_upload,
    import_members,
    preview_rows,
    problem_text,
    read_rows,
    read_upload,
    template_xlsx,
    write_export,
)
from tests.factories import make_institution, make_member, make_participation

HEADER = ",".join(COLUMNS)


def row(email="priya@example.in", given="Priya", family="Sharma", native="प्रिया शर्मा", country="IN",
        lang="hi", field="Chemistry", programme="SSP-B", fy="2024", direction="inbound",
        start="2025-02-15", end="2025-03-07", host="Kyoto University", host_country="JP",
        sending="IIT Delhi", sending_country="IN"):
    cells = [email, given, family, native, country, lang, field, programme, fy, direction, start, end,
             host, host_country, sending, sending_country]
    return ",".join(f'"{c}"' if "," in c else c for c in cells)


def run_import(text: str, *, dry_run=False, batch_members=1000):
    rows = list(read_rows(io.StringIO(text)))
    end = db.session.rollback if dry_run else db.session.commit
    return import_members(rows, end_batch=end, batch_members=batch_members)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_rows_with_one_email_form_one_member_with_several_participations():
    text = "\n".join([HEADER, row(), row(email="PRIYA@example.in", programme="LOTUS", fy="2025",
                                         start="2025-09-01", end="2026-03-31")])
    report = run_import(text)
    assert report.summary() == "created 1, updated 0, unchanged 0, rejected 0"
    member = db.session.scalar(select(Member))
    assert member.native_name == "प्रिया शर्मा" and member.preferred_language == "hi"
    assert [(p.programme_code, p.fiscal_year) for p in member.participations] == [("SSP-B", 2024), ("LOTUS", 2025)]
    host = member.participations[0].host_institution
    assert (host.name, host.country) == ("Kyoto University", "JP")


def test_same_file_twice_changes_nothing():
    text = "\n".join([HEADER, row(), row(email="hanako@example.jp", given="Hanako", family="Sato",
                                         native="佐藤 花子", country="JP", lang="ja", programme="SSP-D",
                                         direction="outbound", host="IIT Bombay", host_country="IN",
                                         sending="Kyoto University", sending_country="JP")])
    run_import(text)
    before = db.session.execute(select(Member.id, Member.updated_at).order_by(Member.id)).all()
    report = run_import(text)
    assert report.summary() == "created 0, updated 0, unchanged 2, rejected 0"
    assert db.session.execute(select(Member.id, Member.updated_at).order_by(Member.id)).all() == before
    assert count(Participation) == 2 and count(Institution) == 3


def test_a_changed_row_updates_only_that_member():
    other = row(email="ken@example.jp", given="Ken", native="", country="KE", lang="en")
    run_import("\n".join([HEADER, row(), other]))
    report = run_import("\n".join([HEADER, row(end="2025-03-08"), other]))
    assert report.summary() == "created 0, updated 1, unchanged 1, rejected 0"
    assert db.session.scalar(select(Participation.end_date).join(Member).where(
        Member.email == "priya@example.in")) == date(2025, 3, 8)
    report = run_import("\n".join([HEADER, row(end="2025-03-08", field="Physics"), other]))
    assert report.summary() == "created 0, updated 1, unchanged 1, rejected 0"
    assert db.session.scalar(select(Member.field).where(Member.email == "priya@example.in")) == "Physics"


def test_institutions_match_by_trimmed_case_insensitive_name_and_country():
    existing = make_institution(name="Kyoto University", country="JP")
    run_import("\n".join([HEADER, row(host="  kyoto   UNIVERSITY ", sending="Kyoto University",
                                      sending_country="US")]))
    p = db.session.scalar(select(Participation))
    assert p.host_institution_id == existing.id
    assert p.sending_institution.country == "US" and p.sending_institution_id != existing.id


@pytest.mark.parametrize("changes, reason", [
    ({"programme": "SSP-Z"}, "programme"),
    ({"country": "XX"}, "country"),
    ({"start": "2025-02-30"}, "start_date"),
    ({"fy": "2025"}, "fiscal_year"),
    ({"email": ""}, "email"),
    ({"email": "not-an-email"}, "email"),
    ({"end": "2025-01-01"}, "end_date"),
    ({"direction": "outbound"}, "direction"),
    ({"lang": "xx"}, "preferred_language"),
    ({"host_country": ""}, "host_country"),
])
def test_bad_rows_are_rejected_with_line_and_reason_and_good_rows_land(changes, reason):
    text = "\n".join([HEADER, row(email="good@example.org"), row(**{"email": "bad@example.org", **changes}),
                      row(email="good2@example.org")])
    report = run_import(text)
    assert report.created == 2
    assert len(report.rejected) == 1
    line, column, _value, message = report.rejected[0]
    assert line == 3 and column == reason and message, message
    assert db.session.scalars(select(Member.email).order_by(Member.email)).all() == \
        ["good2@example.org", "good@example.org"]


def test_conflicting_member_details_and_duplicate_rows_are_rejected():
    text = "\n".join([HEADER, row(), row(country="LK", programme="LOTUS", fy="2025", start="2025-09-01",
                                         end="2026-03-31"), row()])
    report = run_import(text)
    assert [p[0] for p in report.rejected] == [3, 4]
    assert "line 2" in report.rejected[0][3] and "line 2" in report.rejected[1][3]
    assert count(Participation) == 1


def test_bom_and_multiline_fields_keep_line_numbers():
    text = "\ufeff" + "\n".join([HEADER, row(native='"two\nlines"'), row(email="x@example.org", country="QQ")])
    rows = list(read_rows(io.StringIO(decode_upload(text.encode("utf-8")))))
    assert [line for line, _r in rows] == [2, 4]
    report = import_members(rows, end_batch=db.session.commit)
    # A name may not hold a line break (names are single lines everywhere); the line numbers of
    # what follows a quoted multi-line field stay right.
    assert [p[0] for p in report.rejected] == [2, 4] and report.created == 0
    assert report.rejected[0][1] == "native_name" and report.rejected[1][1] == "country"


def test_missing_columns_and_bad_encoding_are_refused():
    with pytest.raises(Invalid, match="programme"):
        list(read_rows(io.StringIO("email,given_name\na@example.org,A\n")))
    with pytest.raises(Invalid, match="UTF-8"):
        decode_upload("Sato,Málaga".encode("latin-1"))


def test_dry_run_writes_nothing():
    report = run_import("\n".join([HEADER, row()]), dry_run=True)
    assert report.created == 1
    assert count(Member) == count(Participation) == count(Institution) == 0


def test_a_crash_mid_import_keeps_the_finished_batches_only(monkeypatch):
    import alumni.services.imports as imports

    real = imports._import_batch
    calls = []

    def crash_on_second(groups, report):
        calls.append(1)
        real(groups, report)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(imports, "_import_batch", crash_on_second)
    text = "\n".join([HEADER] + [row(email=f"m{i}@example.org") for i in range(5)])
    with pytest.raises(KeyboardInterrupt):
        run_import(text, batch_members=2)
    db.session.rollback()
    assert db.session.scalars(select(Member.email).order_by(Member.email)).all() == \
        ["m0@example.org", "m1@example.org"]


def test_export_then_import_is_a_no_op():
    member = make_member(email="ana@example.org", native_name="Ana", country="BR", field="Biology")
    make_participation(member, host_institution_id=make_institution(name="Tohoku University").id)
    make_member(email="noparts@example.org")
    run_import("\n".join([HEADER, row()]))
    out = io.StringIO()
    assert write_export(out) == 3
    report = run_import(out.getvalue())
    assert report.summary() == "created 0, updated 0, unchanged 3, rejected 0"


def test_import_keeps_the_stored_cohorts_right():
    """The import writes participations in bulk (no session hook): it refreshes the cohorts of
    the members it changed itself."""
    from alumni.services.cohorts import cohort_drift

    text = "\n".join([HEADER, row(), row(programme="LOTUS", fy="2019", start="2019-09-01", end="2020-03-31")])
    run_import(text)
    member = db.session.scalar(select(Member))
    assert (member.cohort, member.cohort_programme) == (2019, "LOTUS")
    # A changed row (the same participation, a later end) updates it; a new earlier row takes over.
    longer = "\n".join([HEADER, row(), row(programme="LOTUS", fy="2019", start="2019-09-01", end="2020-06-30")])
    assert run_import(longer).updated == 1
    db.session.expire_all()
    assert db.session.scalar(select(Member.first_inbound_end)) == date(2020, 6, 30)
    earlier = "\n".join([HEADER, row(programme="SSP-A", fy="2017", start="2017-07-01", end="2017-07-07")])
    run_import(earlier)
    db.session.expire_all()
    assert db.session.execute(select(Member.cohort, Member.cohort_programme)).one() == (2017, "SSP-A")
    assert cohort_drift(db.session) == []


def test_every_problem_of_a_row_is_reported_with_column_value_and_reason():
    """Issue 18: a bad country, an unknown programme and reversed dates were reported as the country only."""
    text = "\n".join([HEADER, row(email="good@example.org"),
                      row(email="bad@example.org", country="XX", programme="SSP-Z", start="2025-03-07",
                          end="2025-02-15")])
    report = run_import(text)
    assert report.created == 1 and report.rejected_rows == 1
    assert [(line, column, value) for line, column, value, _reason in report.rejected] == [
        (3, "country", "XX"), (3, "programme", "SSP-Z"), (3, "end_date", "2025-02-15")]
    assert "SSP-Z is not a programme code" in report.rejected[1][3]
    assert report.summary() == "created 1, updated 0, unchanged 0, rejected 1"
    assert problem_text(report.rejected[0]).startswith("line 3, column country, value 'XX': ")


def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for r in rows:
        workbook.active.append(r)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_first_sheet_is_read_with_excel_dates_and_numbers_as_text():
    cells = [c.strip('"') for c in row().split(",")]
    cells[8] = 2024.0  # fiscal year as Excel stores a number
    cells[10] = datetime(2025, 2, 15)  # an Excel date
    cells[11] = date(2025, 3, 7)
    data = _xlsx([list(COLUMNS), cells, [None] * len(COLUMNS), list(cells[:7])])
    rows = list(read_upload(data, "members.xlsx"))
    assert [line for line, _r in rows] == [2, 4]  # the blank row is skipped; rows keep their numbers
    assert rows[0][1]["fiscal_year"] == "2024" and rows[0][1]["start_date"] == "2025-02-15"
    assert rows[0][1]["end_date"] == "2025-03-07" and rows[1][1]["programme"] == ""
    report = import_members(rows, end_batch=db.session.commit)
    assert report.summary() == "created 1, updated 0, unchanged 0, rejected 0"
    assert count(Participation) == 1


@pytest.mark.parametrize("data", [b"PK\x03\x04 not a zip at all", b"plain,text", _xlsx([["x"]])[:500]])
def test_what_is_not_a_real_workbook_is_refused_clearly(data):
    with pytest.raises(Invalid, match="not an Excel workbook"):
        list(read_upload(data, "members.xlsx"))


def test_a_workbook_without_the_columns_is_refused_and_the_template_imports():
    with pytest.raises(Invalid, match="lacks the columns"):
        list(read_upload(_xlsx([["email", "given_name"], ["a@example.org", "A"]]), "x.xlsx"))
    rows = preview_rows(template_xlsx(), "template.xlsx")
    assert [r["email"] for _line, r in rows] == ["priya@example.in"]
    report = import_members(rows, end_batch=db.session.commit)
    assert report.summary() == "created 1, updated 0, unchanged 0, rejected 0"
