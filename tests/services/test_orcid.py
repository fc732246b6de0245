"""ORCID (issue 21, item 4), through the services, against the stand-in (tests/orcid_standin.py):
a real HTTP server on loopback answering with ORCID's documented v3.0 JSON."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from alumni.errors import Conflict, Invalid, NotFound, Unavailable
from alumni.extensions import db
from alumni.models import AuditEntry, CareerEntry, CareerRole, Institution, OrcidLink
from alumni.services import membership, orcid_api
from alumni.services import orcid as svc
from alumni.services.orcid_api import OrcidRevoked
from tests.factories import make_institution, make_member, make_user
from tests.orcid_standin import ORCID_ID, sign_in

DATA = Path(__file__).resolve().parent.parent / "data" / "orcid"


def _code() -> str:
    """A sign-in at the stand-in, as the member's browser makes it: the code it sends back."""
    location = sign_in(orcid_api.authorize_url("some-state"))
    return location.split("code=")[1].split("&")[0]


def _linked_member(**values):
    member = make_member(**values)
    user = make_user(member=member)
    svc.link_orcid(member, _code(), actor=user)
    db.session.commit()
    return member, user


def _institutions():
    tokyo = make_institution(name="The University of Tokyo", country="JP")
    tokyo.ror_id = "057zh3y96"
    kyoto = make_institution(name="京都大学", language="ja", names={"en": "Kyoto University"}, country="JP")
    db.session.commit()
    return tokyo, kyoto


# --- parsing ORCID's answers ---------------------------------------------------------------


def test_parse_reads_the_documented_v3_shape():
    found = orcid_api.parse_affiliations(json.loads((DATA / "employments.json").read_text()), "employment")
    assert [a.put_code for a in found] == [1001, 1002]
    tokyo, iith = found
    assert (tokyo.organisation, tokyo.country, tokyo.ror_id) == ("The University of Tokyo", "JP", "057zh3y96")
    assert (tokyo.role_title, tokyo.department) == ("Assistant Professor", "Graduate School of Engineering")
    assert (tokyo.start, tokyo.end) == (date(2021, 4, 1), None)
    # RINGGOLD is no ROR id; a month without a day runs from its first to its last day
    assert iith.ror_id is None
    assert (iith.start, iith.end) == (date(2019, 7, 1), date(2021, 3, 31))


def test_parse_educations_and_a_missing_start():
    found = orcid_api.parse_affiliations(json.loads((DATA / "educations.json").read_text()), "education")
    assert [(a.put_code, a.section, a.start, a.end) for a in found] == [
        (2001, "education", date(2015, 4, 1), date(2019, 3, 31)),
        (2002, "education", None, date(2014, 12, 31)),
    ]


@pytest.mark.parametrize("data", [
    [], {"affiliation-group": {"x": 1}}, {"affiliation-group": [{"summaries": [{"employment-summary": []}]}]},
    {"affiliation-group": [{"summaries": [{"employment-summary": {"put-code": "7"}}]}]},
    {"affiliation-group": [{"summaries": [{"employment-summary": {
        "put-code": 7, "organization": {"name": "X", "address": {"country": "Japan"}}}}]}]},
    {"affiliation-group": [{"summaries": [{"employment-summary": {
        "put-code": 7, "organization": {"name": "X", "address": {"country": "JP"}},
        "start-date": {"year": {"value": "20x1"}}}}]}]},
])
def test_parse_refuses_an_unexpected_shape(data):
    with pytest.raises(Unavailable):
        orcid_api.parse_affiliations(data, "employment")


def test_empty_record_has_no_affiliations():
    assert orcid_api.parse_affiliations({"last-modified-date": None, "affiliation-group": [],
                                         "path": "/x/employments"}, "employment") == []


def test_orcid_checksum_and_ror_ids():
    assert orcid_api.is_valid_orcid(ORCID_ID)
    assert orcid_api.is_valid_orcid("0000-0002-9079-593X")
    assert not orcid_api.is_valid_orcid("0000-0002-1825-0098")
    assert not orcid_api.is_valid_orcid("0000-0002-1825-009")
    assert orcid_api.normal_ror_id("https://ror.org/057zh3y96") == "057zh3y96"
    assert orcid_api.normal_ror_id("grid.258799.8") is None


def test_api_url_goes_with_the_base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "ORCID_API_URL", "")
    for base, api in (("https://orcid.org", "https://pub.orcid.org"),
                      ("https://sandbox.orcid.org", "https://pub.sandbox.orcid.org"),
                      ("http://127.0.0.1:9999", "http://127.0.0.1:9999")):
        monkeypatch.setitem(app.config, "ORCID_BASE_URL", base)
        assert orcid_api.api_url() == api
    monkeypatch.setitem(app.config, "ORCID_API_URL", "https://api.orcid.org/v3.0/")
    assert orcid_api.api_url() == "https://api.orcid.org"


# --- linking -------------------------------------------------------------------------------


def test_link_keeps_the_id_and_token_and_logs_only_the_id(orcid):
    member, user = _linked_member()
    link = svc.link_of(member)
    assert link.orcid == ORCID_ID and link.access_token in orcid.tokens
    assert link.orcid_name == "Josiah Carberry"
    assert svc.orcid_url(link) == f"https://orcid.org/{ORCID_ID}"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "orcid.linked"))
    assert entry.changes == {"orcid": [None, ORCID_ID]} and entry.actor_id == user.id
    assert link.access_token not in json.dumps([e.changes for e in db.session.scalars(select(AuditEntry))])
    # the member's own data export leaves the token out
    assert link.access_token not in json.dumps(membership.export_member_data(user, member))


def test_one_id_links_one_member_record(orcid):
    _linked_member()
    other = make_member()
    with pytest.raises(Conflict):
        svc.link_orcid(other, _code(), actor=None)


def test_a_used_code_is_refused(orcid):
    member = make_member()
    code = _code()
    svc.link_orcid(member, code, actor=None)
    db.session.commit()
    with pytest.raises(Unavailable):
        svc.link_orcid(member, code, actor=None)


def test_unlink_forgets_id_and_token_and_keeps_imported_careers(orcid):
    member, user = _linked_member()
    svc.import_affiliations(member, {1001: CareerRole.faculty}, actor=user)
    svc.unlink_orcid(member, actor=user)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OrcidLink)) == 0
    assert [c.orcid_put_code for c in member.careers] == [1001]
    with pytest.raises(NotFound):
        svc.unlink_orcid(member, actor=user)


# --- review and import ---------------------------------------------------------------------


def test_review_matches_institutions_by_ror_and_by_translated_name(orcid):
    tokyo, kyoto = _institutions()
    member, _user = _linked_member()
    found = {c.affiliation.put_code: c for c in svc.review_import(member)}
    assert found[1001].institution == tokyo          # ROR id
    assert found[2001].institution == kyoto          # "Kyoto University", its English name
    assert found[1002].institution is None           # nothing here by that name
    assert (found[1001].role, found[1002].role, found[2001].role) == (
        CareerRole.faculty, CareerRole.researcher, CareerRole.student)
    assert [found[c].status for c in (1001, 1002, 2001)] == ["new", "new", "new"]
    assert found[2002].status == "unusable"
    assert db.session.scalar(select(func.count()).select_from(CareerEntry)) == 0  # reviewing saves nothing


def test_name_match_stays_in_the_organisations_country(orcid):
    make_institution(name="Kyoto University", country="US")
    member, _user = _linked_member()
    found = {c.affiliation.put_code: c for c in svc.review_import(member)}
    assert found[2001].institution is None


def test_import_saves_the_chosen_entries_through_the_member_service(orcid):
    tokyo, kyoto = _institutions()
    member, user = _linked_member()
    saved = svc.import_affiliations(member, {1001: CareerRole.faculty, 2001: CareerRole.student}, actor=user)
    db.session.commit()
    assert [(c.orcid_put_code, c.organisation, c.institution_id, c.country, c.role, c.start_date, c.end_date)
            for c in saved] == [
        (1001, "The University of Tokyo", tokyo.id, "JP", CareerRole.faculty, date(2021, 4, 1), None),
        (2001, "Kyoto University", kyoto.id, "JP", CareerRole.student, date(2015, 4, 1), date(2019, 3, 31)),
    ]
    assert saved[0].title == "Assistant Professor, Graduate School of Engineering"
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.member_id == member.id)
                                      .order_by(AuditEntry.id)))
    assert actions[-3:] == ["career.added", "career.added", "orcid.imported"]


def test_a_later_import_offers_only_what_is_new(orcid):
    member, user = _linked_member()
    svc.import_affiliations(member, {1001: CareerRole.faculty, 1002: CareerRole.researcher,
                                     2001: CareerRole.student}, actor=user)
    db.session.commit()
    orcid.later = True  # the member added RIKEN on ORCID
    found = {c.affiliation.put_code: c.status for c in svc.review_import(member)}
    assert found == {1003: "new", 1001: "imported", 1002: "imported", 2001: "imported", 2002: "unusable"}
    # what was imported already is not saved twice, even when asked for
    saved = svc.import_affiliations(member, {1001: CareerRole.faculty, 1003: CareerRole.researcher}, actor=user)
    db.session.commit()
    assert [c.orcid_put_code for c in saved] == [1003]
    assert sorted(c.orcid_put_code for c in member.careers) == [1001, 1002, 1003, 2001]


def test_nothing_chosen_or_nothing_left(orcid):
    member, user = _linked_member()
    with pytest.raises(Invalid):
        svc.import_affiliations(member, {}, actor=user)
    with pytest.raises(Invalid):
        svc.import_affiliations(member, {2002: CareerRole.student, 999: CareerRole.other}, actor=user)


def test_revoked_token_saves_nothing(orcid):
    member, user = _linked_member()
    orcid.revoked = True
    with pytest.raises(OrcidRevoked) as raised:
        svc.import_affiliations(member, {1001: CareerRole.faculty}, actor=user)
    assert "link your ORCID iD again" in raised.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CareerEntry)) == 0


@pytest.mark.parametrize("switch", ["malformed", "wrong_shape"])
def test_unreadable_answer_saves_nothing(orcid, switch):
    member, user = _linked_member()
    setattr(orcid, switch, True)
    with pytest.raises(Unavailable) as raised:
        svc.import_affiliations(member, {1001: CareerRole.faculty}, actor=user)
    assert "Nothing was saved" in raised.value.message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CareerEntry)) == 0


def test_a_slow_orcid_times_out(orcid, app, monkeypatch):
    member, _user = _linked_member()
    monkeypatch.setitem(app.config, "ORCID_TIMEOUT", 0.3)
    orcid.delay = 1.0
    with pytest.raises(Unavailable, match="could not be reached"):
        svc.review_import(member)


def test_unreachable_orcid(orcid, app, monkeypatch):
    member, _user = _linked_member()
    monkeypatch.setitem(app.config, "ORCID_BASE_URL", "http://127.0.0.1:9")  # nothing listens on discard
    with pytest.raises(Unavailable, match="could not be reached"):
        svc.review_import(member)


def test_parse_choices():
    assert svc.parse_choices(["1001", "2001"], {"1001": "faculty", "2001": "student"}) == {
        1001: CareerRole.faculty, 2001: CareerRole.student}
    with pytest.raises(Invalid):
        svc.parse_choices(["10x"], {"10x": "faculty"})
    with pytest.raises(Invalid):
        svc.parse_choices(["1001"], {"1001": "astronaut"})


def test_institution_ror_id_is_unique():
    a = make_institution()
    b = make_institution()
    a.ror_id = b.ror_id = "057zh3y96"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Institution).where(Institution.ror_id.is_not(None))) == 0


def test_deleting_the_record_or_the_account_forgets_the_link(orcid):
    from alumni.services import members as member_service
    from tests.factories import PASSWORD

    first, _user = _linked_member(email="first@example.org")
    second = make_member(email="second@example.org", given_name="Hanako")
    account = make_user(member=second, password=PASSWORD)
    orcid.orcid = "0000-0002-9079-593X"  # another iD: one iD links one record
    svc.link_orcid(second, _code(), actor=account)
    db.session.commit()
    member_service.delete_member(first, actor=None)
    db.session.commit()
    assert list(db.session.scalars(select(OrcidLink.member_id))) == [second.id]
    membership.delete_account(account, PASSWORD)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OrcidLink)) == 0

