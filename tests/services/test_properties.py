"""Property-based tests (hypothesis) for the validation rules and the import parser: whatever
text arrives, the answer is a clean value or an `Invalid` naming the field — never another
exception — and what we write out reads back the same."""
from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.rules import fiscal_year
from alumni.services import csvsafe
from alumni.services import validation as v
from alumni.services.imports import COLUMNS, decode_upload, import_members, read_rows, write_export

DB_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])
anything = st.one_of(st.none(), st.text(), st.integers(), st.floats(allow_nan=True), st.booleans(),
                     st.dates().map(date.isoformat))


def _valid_or_invalid(fn, value, field):
    """Calls a validator: its result, or None when it refused (naming the field)."""
    try:
        return fn(value, field)
    except Invalid as error:
        assert field in error.fields, error.fields
        return None


# ------------------------------------------------------------------------------ validation rules
@given(anything, st.integers(min_value=1, max_value=500), st.booleans())
def test_text_is_trimmed_bounded_and_single_line(value, max_length, multiline):
    try:
        result = v.text(value, "f", max_length=max_length, multiline=multiline)
    except Invalid as error:
        assert "f" in error.fields
        return
    assert len(result) <= max_length and "\x00" not in result and result == result.strip()
    assert multiline or ("\n" not in result and "\r" not in result)


@given(anything)
def test_email_is_normalised_or_refused(value):
    result = _valid_or_invalid(v.email, value, "email")
    if result is not None:
        assert result == result.lower() and "@" in result and result == v.email(result)  # idempotent


@given(anything)
def test_country_is_an_iso_code_or_refused(value):
    result = _valid_or_invalid(v.country, value, "country")
    if result is not None:
        assert len(result) == 2 and result.isupper() and v.country(result) == result


@given(anything)
def test_language_and_timezone_are_known_or_refused(value):
    language = _valid_or_invalid(v.language, value, "preferred_language")
    assert language is None or v.language(language) == language
    zone = _valid_or_invalid(v.timezone_name, value, "timezone")
    assert zone is None or v.timezone_name(zone) == zone


@given(st.one_of(anything, st.dates()))
def test_dates_parse_round_trip(value):
    result = _valid_or_invalid(v.parse_date, value, "start_date")
    if result is not None:
        assert v.parse_date(result.isoformat(), "start_date") == result


@given(anything)
@example(float("-inf"))  # regression: OverflowError
def test_years_are_within_the_programmes_span(value):
    result = _valid_or_invalid(v.year, value, "fy")
    assert result is None or 1900 <= result <= 2200


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)), anything)
@example(date(2020, 5, 1), float("inf"))  # regression: int(inf) raised OverflowError
def test_fiscal_year_runs_april_to_march(start, given_year):
    expected = start.year if start.month >= 4 else start.year - 1
    assert fiscal_year(start) == expected
    assert v.fiscal_year_matches(None, start) == expected
    try:
        assert v.fiscal_year_matches(given_year, start) == expected
    except Invalid as error:
        assert "fiscal_year" in error.fields


@given(st.dates(), st.dates())
def test_dates_ordered_refuses_only_an_end_before_the_start(start, end):
    try:
        v.dates_ordered(start, end)
    except Invalid:
        assert end < start
    else:
        assert end >= start


# ------------------------------------------------------------------------------ import parser
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_are_refused(data):
    try:
        text = decode_upload(data)
    except Invalid as error:
        assert "file" in error.fields
    else:
        assert not text.startswith("\ufeff")


@given(st.text(max_size=400))
@example(",".join(COLUMNS) + "\na\rb")  # regression: csv.Error (a stray CR) escaped as a 500
@example(",".join(COLUMNS) + '\n"' + "x" * 140_000 + '"')  # regression: beyond csv's field size limit
def test_any_text_parses_to_rows_or_a_file_error(text):
    try:
        rows = list(read_rows(io.StringIO(text)))
    except Invalid as error:
        assert "file" in error.fields
        return
    assert all(set(row) == set(COLUMNS) for _line, row in rows)
    assert [line for line, _row in rows] == sorted(line for line, _row in rows)


@given(st.lists(st.lists(cells, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=6), st.booleans())
@example([["\t"] + [""] * (len(COLUMNS) - 1)], True)  # a row blank but for a marked tab
@example([["'=x", "=1+2", "''", "'", "-", "@a", "\tb", "'abc"] + [""] * (len(COLUMNS) - 8)], False)
def test_rows_written_as_csv_read_back_the_same(rows, bom):
    """What the members export writes (formula cells marked) the import reads back unchanged,
    and no cell of the file begins with a formula character."""
    buffer = io.StringIO()
    csvsafe.writer(buffer, reversible=True).writerows([list(COLUMNS), *rows])
    assert not any(cell.startswith(csvsafe.FORMULA_STARTS)
                   for row in csv.reader(io.StringIO(buffer.getvalue(), newline="")) for cell in row)
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    parsed = [row for _line, row in read_rows(io.StringIO(text, newline=""))]
    expected = [dict(zip(COLUMNS, row, strict=False)) for row in rows if any(cell.strip() for cell in row)]
    assert parsed == expected


@DB_SETTINGS
@given(st.lists(st.fixed_dictionaries(dict.fromkeys(COLUMNS, cells)), max_size=5))
def test_importing_arbitrary_rows_is_safe_and_idempotent(rows):
    """Junk is rejected line by line (never an exception); importing the same file twice
    creates and changes nothing the second time."""
    numbered = list(enumerate(rows, start=2))
    first = import_members(numbered, end_batch=db.session.commit)
    assert all(isinstance(line, int) and reason for line, _column, _value, reason in first.rejected)
    again = import_members(numbered, end_batch=db.session.commit)
    assert (again.created, again.updated) == (0, 0)
    assert again.rejected == first.rejected


names = st.text(alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x00\r\n"),
                min_size=1, max_size=20).map(str.strip).filter(bool)


@DB_SETTINGS
@given(st.lists(st.tuples(names, names, st.sampled_from(["IN", "LK", "TH", "BR"])), min_size=1, max_size=4,
                unique_by=lambda t: t[0].casefold()))
def test_export_then_import_changes_nothing(people):
    rows = [{**dict.fromkeys(COLUMNS, ""), "email": f"p{i}.{abs(hash(given)) % 10**8}@example.org",
             "given_name": given, "family_name": family, "country": country,
             "programme": "SSP-A", "start_date": "2019-07-01", "end_date": "2019-07-07",
             "host_institution": f"{family} Institute", "host_country": "JP"}
            for i, (given, family, country) in enumerate(people)]
    first = import_members(list(enumerate(rows, start=2)), end_batch=db.session.commit)
    assume(not first.rejected)
    out = io.StringIO()
    write_export(out)
    again = import_members(list(read_rows(io.StringIO(out.getvalue()))), end_batch=db.session.commit)
    assert (again.created, again.updated, len(again.rejected)) == (0, 0, 0)
