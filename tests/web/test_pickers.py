"""Pickers that speak names: the invite form's choices, the live audience count with its split by
language and the reason an audience is empty, adding a missing institution, time zone choices."""
import re

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Institution
from alumni.services import invitations as isvc
from alumni.services import validation as v
from tests.factories import (
    PASSWORD,
    login,
    make_chapter,
    make_event,
    make_institution,
    make_member,
    make_participation,
    make_user,
)


@pytest.fixture
def organizer(client):
    make_chapter("IN", "India chapter", ("IN",))
    user = make_user("organizer", chapter="IN", password=PASSWORD)
    login(client, user)
    return user


def test_invite_form_offers_names_and_says_what_no_chapter_means(client, organizer):
    event = make_event("IN")
    make_chapter("KE", "Kenya chapter", ("KE", "UG"))
    member = make_member(country="IN")
    make_participation(member, programme="SSP-B")
    host = make_institution(name="東京大学", country="JP")
    make_institution(name="Makerere University", country="UG")
    page = client.get(f"/manage/events/{event.id}/invite").get_data(as_text=True)
    assert '<option selected value="IN">India chapter (India)</option>' in page  # the event's chapter, named
    assert "All chapters — members of every country" in page  # no limit says what it is
    assert page.index("India chapter (India)") < page.index("Kenya chapter (Kenya and Uganda)")
    assert '<option value="EG">Egypt</option>' in page and 'multiple' in page
    assert re.search(r'<option value="SSP-B">[^<]+\(SSP-B\)</option>', page)
    assert '<option value="2019">FY2019' in page  # cohort years that exist
    assert f'<option value="{host.id}">東京大学</option>' in page
    assert "Makerere" not in page  # Japanese host institutions only
    assert 'data-audience-url="/manage/events/' in page and "pickers.js" in page and "<script>" not in page


def test_invite_form_names_are_in_the_pages_language(client, organizer):
    event = make_event("IN")
    client.get("/language?lang=ja&next=/")
    page = client.get(f"/manage/events/{event.id}/invite").get_data(as_text=True)
    assert '<option value="EG">エジプト</option>' in page and "India chapter（インド）" in page


def test_audience_json_counts_and_splits_by_language_as_it_changes(client, organizer):
    event = make_event("IN")
    for lang in ("ja", "ja", "hi"):
        make_member(country="IN", preferred_language=lang)
    make_member(country="TH", preferred_language="th")
    make_member(country="EG", preferred_language="ar")
    url = f"/manage/events/{event.id}/invite/audience.json"
    r = client.get(url, query_string={"chapter": "IN"})
    assert r.status_code == 200
    data = r.get_json()
    assert data["total"] == 3 and data["reason"] is None
    assert [(row["language"], row["count"]) for row in data["by_language"]] == [("ja", 2), ("hi", 1)]
    assert data["by_language"][0]["name"] == "日本語" and data["text"] == "3 members will receive it"
    r = client.get(url, query_string=[("chapter", ""), ("countries", "TH"), ("countries", "EG")])
    data = r.get_json()
    assert data["total"] == 2 and {row["language"] for row in data["by_language"]} == {"th", "ar"}


def test_an_empty_audience_says_why(client, organizer):
    event = make_event("IN")
    make_member(country="IN")
    make_member(country="EG")
    url = f"/manage/events/{event.id}/invite/audience.json"
    data = client.get(url, query_string=[("chapter", "IN"), ("countries", "EG"), ("countries", "TH")]).get_json()
    assert data["total"] == 0
    assert data["reason"] == ("No member of India chapter lives in Egypt and Thailand: "
                              "the chapter covers India.")
    data = client.get(url, query_string=[("chapter", ""), ("countries", "TH")]).get_json()
    assert data["reason"] == "No member lives in Thailand."
    data = client.get(url, query_string=[("chapter", "IN"), ("programmes", "LOTUS")]).get_json()
    # Programmes by their catalogue name (translated), not their code (issue 19).
    assert data["reason"] == ("None of the members chosen so far took part in "
                              "LOTUS Programme (India–Japan, master's, PhD and postdoc).")
    # The same reason without JavaScript, from the preview button.
    r = client.post(f"/manage/events/{event.id}/invite",
                    data={"chapter": "IN", "countries": ["EG", "TH"], "action": "count"})
    assert "No member of India chapter lives in Egypt and Thailand" in r.get_data(as_text=True)


def test_empty_reason_in_the_service_for_unsubscribed_and_returnees():
    member = make_member(country="IN")
    assert isvc.empty_reason(isvc.clean_audience({"returnees": True})) == "No member has recorded a return to Japan."
    assert isvc.empty_reason(isvc.clean_audience({})) is None
    isvc.unsubscribe(member)
    db.session.commit()
    assert isvc.empty_reason(isvc.clean_audience({})) == "All 1 members of this audience unsubscribed from invitations."


def test_audience_json_refuses_a_bad_code_naming_the_field_and_others_get_403(client, organizer):
    event = make_event("IN")
    r = client.get(f"/manage/events/{event.id}/invite/audience.json", query_string={"countries": "XX"})
    assert r.status_code == 422 and "countries" in r.get_json()["error"]["fields"]
    other_event = make_event("KE")
    assert client.get(f"/manage/events/{other_event.id}/invite/audience.json").status_code == 403


def test_the_preview_sends_the_codes_picked_by_name(client, organizer):
    event = make_event("IN")
    make_member(country="IN", preferred_language="ja")
    make_member(country="LK")
    r = client.post(f"/manage/events/{event.id}/invite", data={"chapter": "", "countries": ["IN", "LK"], "action": "send"})
    assert r.status_code == 302
    from alumni.models import OutgoingMail

    assert len(db.session.scalars(select(OutgoingMail)).all()) == 2


# ---------------------------------------------------------------- institutions
def test_an_organizer_adds_a_missing_institution_and_returns_with_it_chosen(client, organizer):
    event = make_event("IN")
    back = f"/manage/events/{event.id}/invite"
    page = client.get("/manage/institutions/new", query_string={"next": back})
    assert page.status_code == 200 and 'value="JP" selected' in page.get_data(as_text=True).replace(
        'selected value="JP"', 'value="JP" selected')
    r = client.post("/manage/institutions/new", data={"name": "大阪大学", "country": "JP", "kind": "university",
                                                      "next": back})
    institution = db.session.scalar(select(Institution).where(Institution.name == "大阪大学"))
    assert r.status_code == 302 and r.headers["Location"] == f"{back}?host_institution={institution.id}"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f'<option selected value="{institution.id}">大阪大学</option>' in page
    # The same name again (other spacing, other case) is chosen, not added twice.
    r = client.post("/manage/institutions/new", data={"name": " 大阪大学 ", "country": "JP", "kind": "company",
                                                      "next": back})
    assert r.headers["Location"].endswith(f"host_institution={institution.id}")
    assert db.session.scalar(select(db.func.count(Institution.id))) == 1


def test_adding_an_institution_is_for_organizers_and_staff_and_never_redirects_away(client):
    member_user = make_user("member", password=PASSWORD)
    login(client, member_user)
    assert client.get("/manage/institutions/new").status_code == 403
    assert client.post("/manage/institutions/new", data={"name": "X", "country": "JP"}).status_code == 403
    client.post("/logout")
    login(client, make_user("staff", password=PASSWORD))
    r = client.post("/manage/institutions/new", data={"name": "Kyoto University", "country": "JP",
                                                      "kind": "university", "next": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/manage/institutions/new"
    r = client.post("/manage/institutions/new", data={"name": "", "country": "ZZ", "kind": "university"})
    assert r.status_code == 422


# ---------------------------------------------------------------- time zones
def test_time_zone_choices_are_valid_grouped_and_the_organizers_country_first(client, organizer):
    from alumni.web import pickers

    with client.application.test_request_context("/"):
        choices = pickers.timezone_choices("IN")
        assert choices[0].value == "Asia/Kolkata" and choices[0].optgroup == "India"
        for choice in choices:
            assert v.timezone_name(choice.value) == choice.value
        assert {"Asia/Tokyo", "America/New_York", "UTC"} <= {c.value for c in choices}
        assert len({c.value for c in choices}) == len(choices)
    page = client.get("/manage/events/new").get_data(as_text=True)
    assert '<optgroup label="India">' in page and page.index('label="India"') < page.index('label="Japan"')
    assert 'name="timezone"' in page and 'type="text" name="timezone"' not in page


def test_profile_time_zone_is_a_picker_that_keeps_the_stored_zone(client):
    member = make_member(country="KE", timezone="Africa/Nairobi", email="ke@example.org")
    login(client, make_user("member", member=member, password=PASSWORD))
    page = client.get("/me/profile").get_data(as_text=True)
    assert '<option selected value="Africa/Nairobi">Kenya · Africa/Nairobi</option>' in page
    assert page.index('label="Kenya"') < page.index('label="Afghanistan"')


def test_a_forums_answer_picks_the_institution_by_name_and_country_name(client):
    make_chapter("IN", "India chapter", ("IN",))
    event = make_event("IN", kind="forum", side_quotas={"IN": 5, "JP": 5})
    iit = make_institution(name="IIT Hyderabad", country="IN")
    member = make_member(email="forum@example.org")
    login(client, make_user("member", member=member, password=PASSWORD))
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'<option value="{iit.id}">IIT Hyderabad (India)</option>' in page
    assert 'data-picker' in page and "pickers.js" in page
