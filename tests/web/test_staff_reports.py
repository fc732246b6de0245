"""The returnee report and the overview read as staff need them (issue 18 item 5): people link
to their record, the country filter is a list of names, count charts have whole-number axes."""
import re
from datetime import date

from tests.factories import make_member, make_participation, make_return
from tests.web.test_staff_pages import login_as


def _returnees(n_in=3, n_ke=1):
    people = []
    for i, country in enumerate(["IN"] * n_in + ["KE"] * n_ke):
        m = make_member(country=country, given_name="Asha", family_name=f"Rao{i}")
        make_participation(m, programme="SSP-B", start_date=date(2019, 3, 1), end_date=date(2019, 3, 20))
        make_return(m, purpose="research", start_date=date(2020, 1, 1 + i))
        people.append(m)
    return people


def test_every_returnee_links_to_their_record(client):
    people = _returnees()
    login_as(client, "staff")
    html = client.get("/staff/returnees").get_data(as_text=True)
    for m in people:
        assert f'<a href="/members/{m.id}"><bdi>{m.given_name} {m.family_name}</bdi></a>' in html
    assert client.get(f"/members/{people[0].id}").status_code == 200


def test_the_country_filter_is_a_list_of_names_in_the_page_language(client):
    _returnees()
    login_as(client, "staff")
    html = client.get("/staff/returnees?country=KE").get_data(as_text=True)
    assert '<select id="country" name="country"' in html
    assert '<option value="KE" selected>Kenya</option>' in html and '<option value="IN" >India</option>' in html
    assert '<strong id="total">1</strong>' in html
    ja = client.get("/staff/returnees?country=IN", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<option value="IN" selected>インド</option>' in ja


def test_count_charts_have_whole_number_axes_and_country_names(client):
    _returnees(n_in=3, n_ke=1)
    login_as(client, "staff")
    html = client.get("/staff/returnees").get_data(as_text=True)
    labels = re.findall(r">(\d+(?:\.\d+)?)</text>", html)
    assert labels and not [x for x in labels if "." in x]  # no 0.2 … 2.8 people
    assert ">India</text>" in html and ">IN</text>" not in html
    overview = client.get("/staff/").get_data(as_text=True)
    assert not re.findall(r">(\d+\.\d+)</text>", overview)
