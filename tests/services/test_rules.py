"""The fiscal year and stay-length rules of PRODUCT.md, at their boundaries."""
from datetime import date

import pytest

from alumni.rules import fiscal_year, fiscal_year_bounds, is_short_term, stay_days


@pytest.mark.parametrize("day, expected", [
    (date(2025, 2, 15), 2024),   # the example in PRODUCT.md
    (date(2025, 3, 31), 2024),   # last day of FY2024
    (date(2025, 4, 1), 2025),    # first day of FY2025
    (date(2024, 12, 31), 2024),
    (date(2025, 1, 1), 2024),
])
def test_fiscal_year_runs_april_to_march(day, expected):
    assert fiscal_year(day) == expected


def test_fiscal_year_bounds():
    assert fiscal_year_bounds(2024) == (date(2024, 4, 1), date(2025, 3, 31))


def test_stay_counts_first_and_last_day():
    assert stay_days(date(2025, 6, 1), date(2025, 6, 1)) == 1
    assert stay_days(date(2025, 6, 1), date(2025, 6, 30)) == 30
    assert stay_days(date(2025, 6, 1), date(2025, 7, 1)) == 31


def test_thirty_days_is_short_term_thirty_one_is_not():
    assert is_short_term(date(2025, 6, 1), date(2025, 6, 30))
    assert not is_short_term(date(2025, 6, 1), date(2025, 7, 1))
