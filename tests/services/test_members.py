"""Members and their records through the service layer: validation names the field, and a
rejected change leaves the database as it was."""
from datetime import date

import pytest
from sqlalchemy import func, select

from alumni.errors import Conflict, Invalid, NotFound
from alumni.extensions import db
from alumni.models import Member, Participation
from alumni.services import members as svc
from alumni.services.search import fold
from tests.factories import make_institution, make_member, make_participation


def test_create_member_normalises_codes_and_email():
    member = svc.create_member({"email": " Priya.Sharma@Example.ORG ", "given_name": "Priya",
                                "country": "in", "preferred_language": "zh-hans", "timezone": "Asia/Kolkata"})
    assert member.email == "priya.sharma@example.org"
    assert member.country == "IN"
    assert member.preferred_language == "zh-Hans"


@pytest.mark.parametrize("field, value", [
    ("country", "XX"),
    ("country", "India"),
    ("preferred_language", "klingon"),
    ("preferred_language", "de"),          # a real language, but not one we serve
    ("timezone", "Mars/Olympus_Mons"),
    ("timezone", "IST"),
    ("email", "not-an-email"),
    ("email", "a@b"),
    ("given_name", "   "),
    ("visibility", "everyone"),
])
def test_bad_member_values_are_rejected_naming_the_field(field, value):
    values = {"email": "ok@example.org", "given_name": "Ok", "country": "JP", field: value}
    with pytest.raises(Invalid) as exc:
        svc.create_member(values)
    assert field in exc.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(Member.id))) == 0


def test_duplicate_email_is_a_conflict():
    make_member(email="dup@example.org")
    with pytest.raises(Conflict):
        svc.create_member({"email": "DUP@example.org", "given_name": "X", "country": "JP"})


def test_rejected_update_changes_nothing():
    member = make_member(country="IN", field="Physics")
    with pytest.raises(Invalid):
        svc.update_member(member, {"field": "Chemistry", "country": "ZZ"})
    db.session.rollback()
    again = db.session.get(Member, member.id)
    assert (again.country, again.field) == ("IN", "Physics")


def test_member_with_a_country_cannot_lose_it():
    member = make_member()
    with pytest.raises(Invalid) as exc:
        svc.update_member(member, {"country": ""})
    assert "country" in exc.value.fields


def test_participation_fiscal_year_is_derived_and_checked():
    member = make_member()
    p = make_participation(member, start_date=date(2025, 2, 15), end_date=date(2025, 2, 21))
    assert p.fiscal_year == 2024
    with pytest.raises(Invalid) as exc:
        svc.add_participation(member, {"programme": "SSP-A", "fiscal_year": 2025,
                                       "start_date": date(2025, 3, 31), "end_date": date(2025, 4, 6)})
    assert "fiscal_year" in exc.value.fields
    ok = svc.add_participation(member, {"programme": "SSP-B", "fiscal_year": 2025,
                                        "start_date": date(2025, 4, 1), "end_date": date(2025, 4, 20)})
    assert ok.fiscal_year == 2025


def test_moving_a_participation_moves_its_fiscal_year():
    member = make_member()
    p = make_participation(member, start_date=date(2024, 5, 1), end_date=date(2024, 5, 7))
    svc.update_participation(p, {"start_date": date(2025, 5, 1), "end_date": date(2025, 5, 7)})
    assert p.fiscal_year == 2025


@pytest.mark.parametrize("values, field", [
    ({"programme": "SSP-Z"}, "programme"),
    ({"end_date": date(2019, 6, 30)}, "end_date"),
    ({"direction": "outbound"}, "direction"),          # SSP-A only invites to Japan
    ({"direction": "sideways"}, "direction"),
    ({"host_institution_id": 999999}, "host_institution_id"),
    ({"start_date": "2019-13-01"}, "start_date"),
])
def test_bad_participations_are_rejected(values, field):
    member = make_member()
    base = {"programme": "SSP-A", "start_date": date(2019, 7, 1), "end_date": date(2019, 7, 7)}
    with pytest.raises((Invalid, NotFound)) as exc:
        svc.add_participation(member, {**base, **values})
    assert field in exc.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(Participation.id))) == 0


def test_outbound_allowed_for_both_direction_programmes():
    member = make_member(country="JP")
    p = svc.add_participation(member, {"programme": "NEXUS-YTEC", "direction": "outbound",
                                       "start_date": date(2023, 8, 1), "end_date": date(2023, 9, 30)})
    assert p.direction == "outbound"


def test_same_programme_same_start_twice_is_a_conflict():
    member = make_member()
    make_participation(member)
    with pytest.raises(Conflict):
        svc.add_participation(member, {"programme": "SSP-A", "start_date": date(2019, 7, 1),
                                       "end_date": date(2019, 7, 8)})


def test_careers_and_returns_validate_dates_and_choices():
    member = make_member()
    host = make_institution(name="Kyoto University")
    career = svc.add_career(member, {"organisation": "Kyoto University", "institution_id": host.id,
                                     "country": "jp", "role": "researcher", "start_date": "2021-04-01"})
    assert career.country == "JP" and career.end_date is None
    with pytest.raises(Invalid) as exc:
        svc.update_career(career, {"end_date": date(2020, 1, 1)})
    assert "end_date" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        svc.add_return(member, {"purpose": "holiday", "start_date": date(2022, 1, 1)})
    assert "purpose" in exc.value.fields
    visit = svc.add_return(member, {"purpose": "research", "start_date": date(2022, 1, 1),
                                    "end_date": date(2022, 12, 31)})
    assert visit.purpose == "research"


def test_records_of_another_member_are_not_found():
    a, b = make_member(), make_member()
    p = make_participation(a)
    with pytest.raises(NotFound):
        svc.get_record(b, "participations", p.id)


@pytest.mark.parametrize("typed, stored", [
    ("Jose", "José"), ("ｓａｔｏ", "Sato"), ("SATO", "satō"), ("प्रिया", "प्रिया शर्मा"), ("花子", "佐藤 花子"),
])
def test_search_folding_matches_across_case_width_and_accents(typed, stored):
    assert fold(typed) in fold(stored)


def test_deleting_a_member_removes_their_records():
    member = make_member()
    make_participation(member)
    svc.delete_member(member)
    db.session.commit()
    assert db.session.scalar(select(func.count(Participation.id))) == 0
