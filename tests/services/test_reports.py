"""Returnees and dispatches on hand-built data where the right answer is known (PRODUCT.md)."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.services.reports import (
    clean_returnee_filters,
    dispatches,
    iter_returnees,
    list_returnees,
    returnee_csv_rows,
    summarise_returnees,
    suppress_cells,
    suppress_small,
)
from tests.factories import make_career, make_member, make_participation, make_return

D = date


def alum(country="IN", start=D(2019, 7, 1), end=D(2019, 7, 7), programme="SSP-A", field="", **kw):  # noqa: B008
    member = make_member(country=country, field=field, **kw)
    make_participation(member, programme=programme, start_date=start, end_date=end)
    return member


def report(**filters):
    return summarise_returnees(clean_returnee_filters(filters))


def members_of(**filters):
    return {row["id"]: row for row in list_returnees(clean_returnee_filters(filters), 1, 100)}


def test_a_research_return_after_the_end_counts_with_days_to_return():
    m = alum(end=D(2019, 7, 7))
    make_return(m, purpose="research", start_date=D(2019, 8, 6))
    assert report()["total"] == 1
    row = members_of()[m.id]
    assert (row["returned_on"], row["days_to_return"], row["fiscal_year"]) == (D(2019, 8, 6), 30, 2019)


def test_only_records_starting_after_the_end_date_count():
    on_end = alum(start=D(2019, 7, 1), end=D(2019, 7, 7))
    make_return(on_end, start_date=D(2019, 7, 7))           # the last day itself: not after the end
    during = alum(start=D(2019, 7, 1), end=D(2019, 7, 7))
    make_return(during, start_date=D(2019, 7, 3))           # before the participation ended
    day_after = alum(start=D(2019, 7, 1), end=D(2019, 7, 7))
    make_return(day_after, start_date=D(2019, 7, 8))
    assert set(members_of()) == {day_after.id}
    assert members_of()[day_after.id]["days_to_return"] == 1


def test_careers_in_japan_count_careers_abroad_do_not():
    researcher, faculty, abroad, engineer = alum(), alum(), alum(), alum()
    make_career(researcher, country="JP", role="researcher", start_date=D(2021, 4, 1))
    make_career(faculty, country="JP", role="faculty", start_date=D(2021, 4, 1))
    make_career(abroad, country="US", role="researcher", start_date=D(2021, 4, 1))
    make_career(engineer, country="JP", role="engineer", start_date=D(2021, 4, 1))
    assert set(members_of(**{"as": "research"})) == {researcher.id, faculty.id}
    assert set(members_of(**{"as": "employment"})) == {engineer.id}


def test_several_qualifying_records_count_once_dated_by_the_earliest():
    m = alum(end=D(2019, 7, 7))
    make_return(m, purpose="research", start_date=D(2023, 1, 10))
    make_career(m, country="JP", role="faculty", start_date=D(2021, 4, 1))
    make_return(m, purpose="research", start_date=D(2022, 5, 1))
    result = report()
    assert result["total"] == 1 and result["by_country"] == {"IN": 1}
    assert members_of()[m.id]["returned_on"] == D(2021, 4, 1)


def test_the_first_inbound_participation_is_the_earliest_by_start_date():
    m = make_member(country="TH")
    make_participation(m, programme="LOTUS", start_date=D(2021, 9, 1), end_date=D(2022, 3, 1))
    make_participation(m, programme="SSP-B", start_date=D(2020, 1, 10), end_date=D(2020, 1, 30))
    # between the two participations: after the end of the first one, so it counts
    make_return(m, purpose="research", start_date=D(2020, 3, 1))
    row = members_of()[m.id]
    assert (row["programme"], row["fiscal_year"], row["days_to_return"]) == ("SSP-B", 2019, 31)


def test_members_with_outbound_participations_only_are_not_returnees():
    jp = make_member(country="JP")
    make_participation(jp, programme="SSP-D", direction="outbound", start_date=D(2019, 7, 1),
                       end_date=D(2019, 9, 1))
    make_return(jp, purpose="research", start_date=D(2020, 1, 1))
    make_career(jp, country="JP", role="researcher", start_date=D(2020, 1, 1))
    no_participation = make_member()
    make_return(no_participation, purpose="research", start_date=D(2020, 1, 1))
    assert report()["total"] == 0


def test_study_and_employment_and_other_purposes():
    student, student_career, employee, conference = alum(), alum(), alum(), alum()
    make_return(student, purpose="study", start_date=D(2020, 4, 1))
    make_career(student_career, country="JP", role="student", start_date=D(2020, 4, 1))
    make_return(employee, purpose="employment", start_date=D(2020, 4, 1))
    make_return(conference, purpose="conference", start_date=D(2020, 4, 1))
    assert set(members_of(**{"as": "study"})) == {student.id, student_career.id}
    assert set(members_of(**{"as": "employment"})) == {employee.id}
    assert set(members_of(**{"as": "research"})) == set()


def test_cohort_fiscal_year_boundary_both_sides():
    march = alum(start=D(2020, 3, 25), end=D(2020, 3, 31))    # FY2019
    april = alum(start=D(2020, 4, 1), end=D(2020, 4, 7))      # FY2020
    for m in (march, april):
        make_return(m, start_date=D(2023, 1, 1))
    assert report()["by_fiscal_year"] == {"2019": 1, "2020": 1}
    assert set(members_of(fy_from="2020")) == {april.id}
    assert set(members_of(fy_to="2019")) == {march.id}
    assert set(members_of(fy_from="2019", fy_to="2020")) == {march.id, april.id}


def test_filters_programme_country_and_field():
    a = alum(country="IN", programme="SSP-B", field="Materials Chemistry")
    b = alum(country="VN", programme="SSP-A", field="Physics")
    c = alum(country="IN", programme="SSP-A", field="chemistry")
    for m in (a, b, c):
        make_return(m, start_date=D(2022, 1, 1))
    assert set(members_of(programme="SSP-B")) == {a.id}
    assert set(members_of(country="in")) == {a.id, c.id}
    assert set(members_of(field="CHEMISTRY")) == {a.id, c.id}
    assert set(members_of(country="IN", programme="SSP-A")) == {c.id}
    result = report()
    assert result["by_country"] == {"IN": 2, "VN": 1}
    assert result["by_programme"] == {"SSP-A": 2, "SSP-B": 1}


def test_median_days_to_return_odd_and_even():
    assert report()["median_days_to_return"] is None
    for days in (10, 30, 100):
        m = alum(end=D(2019, 7, 7))
        make_return(m, start_date=D(2019, 7, 7) + timedelta(days=days))
    assert report()["median_days_to_return"] == 30
    m = alum(end=D(2019, 7, 7))
    make_return(m, start_date=D(2019, 7, 7) + timedelta(days=200))
    assert report()["median_days_to_return"] == 65


def test_bad_filters_are_refused_with_the_field():
    for values, field in (({"as": "tourism"}, "as"), ({"country": "XX"}, "country"),
                          ({"fy_from": "soon"}, "fy_from"), ({"fy_from": "2022", "fy_to": "2020"}, "fy_to")):
        with pytest.raises(Invalid) as error:
            clean_returnee_filters(values)
        assert field in error.value.fields


def test_csv_rows_are_the_whole_list():
    ms = [alum() for _ in range(3)]
    for m in ms:
        make_return(m, start_date=D(2021, 1, 1))
    assert [r["id"] for r in iter_returnees(clean_returnee_filters({}))] == sorted(m.id for m in ms)
    assert len(list_returnees(clean_returnee_filters({}), 2, 2)) == 1


def test_dispatches_split_at_thirty_days_counting_both_ends_and_group_by_fiscal_year():
    jp = make_member(country="JP")
    make_participation(jp, programme="SSP-D", direction="outbound", start_date=D(2024, 6, 1), end_date=D(2024, 6, 30))
    make_participation(jp, programme="SSP-D", direction="outbound", start_date=D(2024, 7, 1), end_date=D(2024, 7, 31))
    make_participation(jp, programme="NEXUS-YTEC", direction="outbound", start_date=D(2025, 3, 31),
                       end_date=D(2025, 4, 5))
    make_participation(jp, programme="NEXUS-YTEC", direction="outbound", start_date=D(2025, 4, 1),
                       end_date=D(2025, 4, 1))
    alum(start=D(2024, 6, 1), end=D(2024, 6, 7))
    assert dispatches("outbound") == {"direction": "outbound", "fiscal_years": {
        "2024": {"total": 3, "short_term": 2, "mid_long_term": 1},
        "2025": {"total": 1, "short_term": 1, "mid_long_term": 0},
    }}
    assert dispatches("inbound")["fiscal_years"] == {"2024": {"total": 1, "short_term": 1, "mid_long_term": 0}}


def test_publication_cells_under_five_are_suppressed():
    assert [suppress_small(n) for n in (0, 1, 4, 5, 120)] == ["0", "<5", "<5", "5", "120"]


INDEPENDENT_SQL = """
SELECT m.country, COUNT(*) FROM members m
WHERE EXISTS (SELECT 1 FROM participations p WHERE p.member_id = m.id AND p.direction = 'inbound')
  AND (EXISTS (SELECT 1 FROM return_visits r WHERE r.member_id = m.id AND r.purpose = 'research'
               AND r.start_date > (SELECT p.end_date FROM participations p
                                   WHERE p.member_id = m.id AND p.direction = 'inbound'
                                   ORDER BY p.start_date, p.id LIMIT 1))
    OR EXISTS (SELECT 1 FROM career_entries c WHERE c.member_id = m.id AND c.country = 'JP'
               AND c.role IN ('researcher', 'faculty')
               AND c.start_date > (SELECT p.end_date FROM participations p
                                   WHERE p.member_id = m.id AND p.direction = 'inbound'
                                   ORDER BY p.start_date, p.id LIMIT 1)))
GROUP BY m.country
"""


def test_counts_agree_with_an_independent_plain_sql_query():
    rng = random.Random(7)
    for _i in range(80):
        m = make_member(country=rng.choice(["IN", "VN", "KE", "BR", "TH"]))
        start = D(2015, 1, 1) + timedelta(days=rng.randrange(3000))
        for j in range(rng.choice([0, 1, 1, 2])):
            s = start + timedelta(days=400 * j)
            make_participation(m, programme="SSP-D", start_date=s,
                               end_date=s + timedelta(days=rng.randrange(60)),
                               direction=rng.choice(["inbound", "inbound", "outbound"]))
        for _ in range(rng.randrange(3)):
            make_return(m, purpose=rng.choice(["research", "study", "conference"]),
                        start_date=start + timedelta(days=rng.randrange(-30, 900)))
        for _ in range(rng.randrange(3)):
            make_career(m, country=rng.choice(["JP", "US"]), role=rng.choice(["researcher", "faculty", "engineer"]),
                        start_date=start + timedelta(days=rng.randrange(-30, 900)))
    expected = dict(db.session.execute(text(INDEPENDENT_SQL)).all())
    result = report()
    assert result["total"] > 5
    assert result["by_country"] == expected
    assert result["total"] == sum(expected.values())


def test_only_returns_that_have_happened_count():
    """A return visit or a career in Japan dated after today is planned, not "came back"; it
    counts from its start day on. The overview's "came back" follows the same rule."""
    from dataclasses import replace

    from alumni.services.overview import came_back_by_cohort

    today = date.today()
    planned = alum(end=D(2019, 7, 7))
    make_return(planned, purpose="research", start_date=today + timedelta(days=30))
    hired = alum(end=D(2019, 7, 7))
    make_career(hired, country="JP", role="faculty", start_date=today + timedelta(days=1))
    came = alum(end=D(2019, 7, 7))
    make_return(came, purpose="research", start_date=D(2021, 4, 1))
    make_return(came, purpose="research", start_date=today + timedelta(days=90))  # a later plan changes nothing
    assert report()["total"] == 1
    assert set(members_of()) == {came.id}
    assert members_of()[came.id]["returned_on"] == D(2021, 4, 1)
    fy2019 = next(row for row in came_back_by_cohort() if row["fiscal_year"] == 2019)
    assert fy2019["came_back"] == 1 and fy2019["members"] == 3
    # once the day comes, they count
    later = replace(clean_returnee_filters({}), as_of=today + timedelta(days=30))
    assert summarise_returnees(later)["total"] == 3


@pytest.mark.parametrize(("counts", "known", "shown"), [
    # one small cell beside a known total: it is the total less the rest, so the rest is hidden too
    ({"a": 6, "b": 1, "c": 0}, True, {"a": "≥5", "b": "<5", "c": 0}),
    # two small cells adding up to 3: (1, 2) or (2, 1) — neither is pinned
    ({"a": 6, "b": 1, "c": 2}, True, {"a": 6, "b": "<5", "c": "<5"}),
    # two small cells adding up to 2: each must be 1, so the smallest other count is hidden
    ({"a": 9, "b": 1, "c": 1, "d": 7}, True, {"a": 9, "b": "<5", "c": "<5", "d": "≥5"}),
    # cells that do not add up to a known total (a multiple choice): small ones only
    ({"a": 6, "b": 1}, False, {"a": 6, "b": "<5"}),
    ({"a": 5, "b": 0}, True, {"a": 5, "b": 0}),
])
def test_small_cells_cannot_be_worked_out_by_subtraction(counts, known, shown):
    assert suppress_cells(counts, total_known=known) == shown


def test_the_publication_csv_lets_no_small_count_be_worked_out_from_the_total():
    """Six returnees from India and one from Kenya: "total 7, IN 6, KE <5" would tell that one
    came from Kenya, so India's count is hidden too ("≥5"), in each dimension that adds up."""
    for country in ["IN"] * 6 + ["KE"]:
        make_return(alum(country=country), purpose="research", start_date=D(2019, 8, 6))
    rows = returnee_csv_rows(clean_returnee_filters({"as": "research"}), publication=True)
    cells = {(dim, key): n for dim, key, n in rows[1:4 + 2] if dim in ("total", "country")}
    assert cells == {("total", ""): "7", ("country", "IN"): "≥5", ("country", "KE"): "<5"}
