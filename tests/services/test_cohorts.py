"""The cohort is the fiscal year of the first inbound participation, by start date."""
from datetime import date

from sqlalchemy import select

from alumni.extensions import db
from alumni.services.cohorts import first_inbound_participation
from tests.factories import make_member, make_participation


def test_cohort_is_the_earliest_inbound_participation():
    a = make_member(country="IN")
    make_participation(a, programme="SSP-B", start_date=date(2021, 6, 1), end_date=date(2021, 6, 21))
    make_participation(a, programme="SSP-A", start_date=date(2019, 3, 25), end_date=date(2019, 3, 31))
    jp = make_member(country="JP")
    make_participation(jp, programme="NEXUS-YTEC", direction="outbound",
                       start_date=date(2018, 5, 1), end_date=date(2018, 6, 30))
    first = first_inbound_participation()
    rows = db.session.execute(select(first.c.member_id, first.c.programme_code, first.c.cohort,
                                     first.c.end_date)).all()
    assert rows == [(a.id, "SSP-A", 2018, date(2019, 3, 31))]  # March 2019 is FY2018
