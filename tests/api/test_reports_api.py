"""/api/v1/reports: staff only, the shapes of INTERFACES.md, CSV on request."""
from datetime import date

import pytest

from tests.factories import make_member, make_participation, make_return, make_token, make_user


@pytest.fixture
def staff_token():
    return make_token(make_user("staff"))


@pytest.fixture
def returnee():
    m = make_member(country="KE", given_name="Wanjiru", field="Ecology")
    make_participation(m, programme="SSP-B", start_date=date(2019, 3, 1), end_date=date(2019, 3, 20))
    make_return(m, purpose="research", start_date=date(2020, 3, 20))
    return m


def test_returnees_json_shape(api, staff_token, returnee):
    r = api.get("/reports/returnees?as=research&country=KE&fy_from=2018&fy_to=2018&per_page=10", staff_token)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["total"] == 1 and body["median_days_to_return"] == 366
    assert body["by_country"] == {"KE": 1} and body["by_programme"] == {"SSP-B": 1}
    assert body["by_fiscal_year"] == {"2018": 1}
    assert body["members"][0]["id"] == returnee.id
    assert body["members"][0]["returned_on"] == "2020-03-20" and body["members"][0]["days_to_return"] == 366
    assert api.get("/reports/returnees?as=study", staff_token).get_json()["total"] == 0


def test_returnees_csv_with_accept_header(api, staff_token, returnee):
    r = api.get("/reports/returnees", staff_token, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    lines = r.get_data(as_text=True).splitlines()
    assert lines[0].startswith("id,given_name") and len(lines) == 2 and "Wanjiru" in lines[1]


def test_bad_filters_are_422_with_the_field(api, staff_token):
    for query, field in (("as=tourism", "as"), ("country=XX", "country"), ("fy_from=abc", "fy_from")):
        r = api.get(f"/reports/returnees?{query}", staff_token)
        assert r.status_code == 422, query
        assert field in r.get_json()["error"].get("fields", {}), r.get_json()


def test_dispatches_shape(api, staff_token, returnee):
    r = api.get("/reports/dispatches?direction=inbound", staff_token)
    assert r.get_json() == {"direction": "inbound",
                            "fiscal_years": {"2018": {"total": 1, "short_term": 1, "mid_long_term": 0}}}
    assert api.get("/reports/dispatches?direction=sideways", staff_token).status_code == 422


@pytest.mark.parametrize("role", ["member", "organizer"])
def test_members_and_organizers_get_403(api, role):
    token = make_token(make_user(role))
    assert api.get("/reports/returnees", token).status_code == 403
    assert api.get("/reports/dispatches", token).status_code == 403
    assert api.get("/reports/returnees").status_code == 401


def test_a_read_only_request_records_the_tokens_last_use_at_most_every_few_minutes(api, staff_token):
    """last_used_at is written (and committed) by a GET; within TOKEN_TOUCH_INTERVAL the next
    requests do not write it again; a request with an unknown token records nothing."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from alumni.extensions import db
    from alumni.models import ApiToken
    from alumni.services.accounts import TOKEN_TOUCH_INTERVAL

    def last_used():
        db.session.rollback()
        return db.session.scalar(select(ApiToken.last_used_at))

    assert last_used() is None
    assert api.get("/reports/dispatches", staff_token).status_code == 200
    first = last_used()
    assert first is not None
    assert api.get("/reports/dispatches", staff_token).status_code == 200
    assert last_used() == first  # not rewritten within the interval
    old = first - TOKEN_TOUCH_INTERVAL - timedelta(seconds=1)
    db.session.execute(update(ApiToken).values(last_used_at=old))
    db.session.commit()
    assert api.get("/reports/dispatches", staff_token).status_code == 200
    assert last_used() > old
    assert api.get("/reports/dispatches", staff_token + "x").status_code == 401
