"""Coverage on every report (issue 21 item 2): of the members a report's figures are about, how
many confirmed their record within 24 months — JSON, page and CSV of the returnee report and the
overview, computed by one function (reports.confirmation_coverage)."""
from __future__ import annotations

from datetime import date, timedelta

from alumni.extensions import db
from alumni.models.types import utcnow
from alumni.services import overview, reports
from tests.factories import PASSWORD, login, make_member, make_participation, make_token, make_user


def _cohort_member(country="IN", confirmed_days_ago=None):
    member = make_member(country=country)
    make_participation(member, start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))
    if confirmed_days_ago is not None:
        member.confirmed_at = utcnow() - timedelta(days=confirmed_days_ago)
        db.session.commit()
    return member


def _world():
    _cohort_member(confirmed_days_ago=10)
    _cohort_member(confirmed_days_ago=800)  # more than 24 months ago
    _cohort_member()
    _cohort_member(country="KE", confirmed_days_ago=5)
    make_member(country="IN")  # never in Japan: no cohort, outside the returnee report


def test_the_coverage_of_a_selection(app):
    _world()
    assert reports.confirmation_coverage() == {"members": 5, "confirmed": 2, "share": 0.4}
    india = reports.ReturneeFilters(country="IN")
    coverage = reports.summarise_returnees(india)["coverage"]
    assert coverage == {"members": 3, "confirmed": 1, "share": 1 / 3}
    assert reports.confirmation_coverage(reports.selected_members(reports.ReturneeFilters(country="FR"))) == {
        "members": 0, "confirmed": 0, "share": 0.0}


def test_coverage_is_one_query(app):
    from tests.sqlcount import Statements

    _world()
    with Statements() as sent:
        reports.confirmation_coverage()
    assert sent.count == 1


def test_coverage_in_the_api_page_and_csv_of_the_returnee_report(app, client):
    _world()
    staff = make_user("staff", password=PASSWORD)
    body = client.get("/api/v1/reports/returnees?country=IN",
                      headers={"Authorization": f"Bearer {make_token(staff)}"}).json
    assert body["coverage"] == {"members": 3, "confirmed": 1, "share": 1 / 3}
    login(client, staff)
    page = client.get("/staff/returnees?country=IN").get_data(as_text=True)
    assert "Coverage: 1 of the 3 members shown (33%) confirmed their record within the last 24 months." in page
    csv = client.get("/staff/returnees.csv?country=IN&publication=1").get_data(as_text=True).splitlines()
    assert "coverage,members,<5" in csv and "coverage,confirmed,<5" in csv and "coverage,share," in csv


def test_coverage_on_the_overview_page_and_csv(app, client):
    _world()
    assert overview.overview()["coverage"] == {"members": 5, "confirmed": 2, "share": 0.4}
    login(client, make_user("staff", password=PASSWORD))
    page = client.get("/staff/").get_data(as_text=True)
    assert "Coverage: 2 of the 5 members shown (40%) confirmed their record within the last 24 months." in page
    csv = client.get("/staff/overview.csv").get_data(as_text=True).splitlines()
    assert {"coverage,members,,5", "coverage,confirmed,,2", "coverage,share,,0.4"} <= set(csv)
    published = client.get("/staff/overview.csv?publication=1").get_data(as_text=True).splitlines()
    assert {"coverage,members,,5", "coverage,confirmed,,<5", "coverage,share,,"} <= set(published)
