"""The duplicate finder: which pairs it finds, why, and how strongly; the CLI and the API."""
from __future__ import annotations

from datetime import date

from alumni.extensions import db
from alumni.models import MemberEmail
from alumni.services.duplicates import find_duplicates
from tests.factories import make_member, make_participation, make_token, make_user

STAY = {"start_date": date(2019, 7, 1), "end_date": date(2019, 7, 7)}


def pair(a, b, **kw):
    found = {c.member_ids: c for c in find_duplicates(**kw)}
    return found.get((min(a.id, b.id), max(a.id, b.id)))


def twin(original, **values):
    other = make_member(**{"country": original.country, **values})
    make_participation(other, **STAY)
    return other


def test_native_script_name_with_country_and_stay():
    wei = make_member(given_name="Wei", family_name="Zhang", country="CN")
    make_participation(wei, **STAY)
    native = twin(wei, given_name="伟", family_name="张", family_name_first=True)
    found = pair(wei, native)
    assert found is not None and found.score >= 0.9
    assert set(found.reasons) == {"name_other_script", "same_country", "same_participation"}


def test_japanese_names_are_read_before_they_are_compared():
    sato = make_member(given_name="Hanako", family_name="Sato", country="JP", preferred_language="ja")
    make_participation(sato, **STAY)
    kanji = twin(sato, given_name="花子", family_name="佐藤", family_name_first=True)
    assert "name_other_script" in pair(sato, kanji).reasons


def test_devanagari_and_arabic_names_meet_their_latin_spelling():
    priya = make_member(given_name="Priya", family_name="Sharma", country="IN")
    make_participation(priya, **STAY)
    omar = make_member(given_name="Omar", family_name="Hassan", country="EG")
    make_participation(omar, **STAY)
    assert "name_other_script" in pair(priya, twin(priya, given_name="प्रिया", family_name="शर्मा")).reasons
    assert "name_other_script" in pair(omar, twin(omar, given_name="عمر", family_name="حسن")).reasons


def test_family_first_order_and_typo():
    a = make_member(given_name="Anjali", family_name="Verma")
    make_participation(a, **STAY)
    assert "family_first_order" in pair(a, twin(a, given_name="Verma", family_name="Anjali")).reasons
    assert "similar_spelling" in pair(a, twin(a, given_name="Anjali", family_name="Vemra")).reasons


def test_same_address_any_case_and_aliases():
    a = make_member(email="someone@example.org", given_name="Kofi", family_name="Mensah", country="GH")
    b = make_member(email="other@example.org", given_name="K.", family_name="M.", country="GH")
    b.pending_email = "Someone@Example.org"
    db.session.commit()
    found = pair(a, b)
    assert found is not None and "other_email" in found.reasons and found.score >= 0.85
    c = make_member(email="third@example.org", given_name="Ama", family_name="Owusu", country="KE")
    db.session.add(MemberEmail(member_id=c.id, email="kept@example.org"))
    d = make_member(email="kept@example.org", given_name="Yaw", family_name="Boateng", country="NG")
    db.session.commit()
    assert pair(c, d) is not None


def test_namesakes_without_a_shared_participation_are_not_listed_by_default():
    a = make_member(given_name="Wei", family_name="Wang", country="CN")
    b = make_member(given_name="Wei", family_name="Wang", country="CN")
    c = make_member(given_name="Wei", family_name="Wang", country="CN")
    make_participation(a, **STAY)
    make_participation(b, start_date=date(2022, 1, 10), end_date=date(2022, 1, 20))
    make_participation(c, programme="SSP-B", start_date=date(2019, 7, 5), end_date=date(2019, 7, 20))
    assert pair(a, b) is None and pair(a, c) is None
    assert pair(a, b, min_score=0.5).score == 0.7
    assert pair(a, c, min_score=0.5).score == 0.85 and "overlapping_participation" in pair(a, c, min_score=0.5).reasons
    stranger = make_member(given_name="Li", family_name="Na", country="CN")
    assert pair(a, stranger, min_score=0) is None


def test_only_pairs_of_given_members():
    a = make_member(given_name="Rahul", family_name="Joshi")
    make_participation(a, **STAY)
    b = twin(a, given_name="Rahul", family_name="Joshi")
    c = make_member(given_name="Neha", family_name="Gupta")
    make_participation(c, **STAY)
    d = twin(c, given_name="Neha", family_name="Gupta")
    assert [x.member_ids for x in find_duplicates(member_ids=[b.id])] == [(a.id, b.id)]
    assert {x.member_ids for x in find_duplicates()} == {(a.id, b.id), (c.id, d.id)}


def test_cli_prints_pairs_best_first(app):
    a = make_member(given_name="Rahul", family_name="Joshi")
    make_participation(a, **STAY)
    b = twin(a, given_name="Rahul", family_name="Jsohi")
    result = app.test_cli_runner().invoke(args=["members", "duplicates", "--min-score", "0.5"])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0].split("\t")
    assert first[:2] == [str(a.id), str(b.id)] and "similar_spelling" in first[5]


def test_api_lists_merges_and_undoes(client):
    staff = make_token(make_user("staff"))
    a = make_member(given_name="Rahul", family_name="Joshi")
    make_participation(a, **STAY)
    b = twin(a, given_name="Rahul", family_name="Joshi")
    headers = {"Authorization": f"Bearer {staff}"}
    a_id, b_id = a.id, b.id
    listed = client.get("/api/v1/members/duplicates", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["member_ids"] == [a_id, b_id]
    assert "same_name" in listed["items"][0]["reasons"]
    bad = client.post(f"/api/v1/members/{a_id}/merge", json={"duplicate_id": b_id, "extra": 1}, headers=headers)
    assert bad.status_code == 422 and "extra" in bad.get_json()["error"]["fields"]
    merged = client.post(f"/api/v1/members/{a_id}/merge", json={"duplicate_id": b_id}, headers=headers)
    assert merged.status_code == 200, merged.get_json()
    body = merged.get_json()
    assert body["member"]["id"] == a_id
    assert client.get(f"/api/v1/members/{b_id}", headers=headers).status_code == 404
    undone = client.post(f"/api/v1/merges/{body['merge_id']}/undo", headers=headers)
    assert undone.status_code == 200 and undone.get_json()["member_ids"] == [a_id, b_id]
    assert client.get(f"/api/v1/members/{b_id}", headers=headers).status_code == 200
    again = client.post(f"/api/v1/merges/{body['merge_id']}/undo", headers=headers)
    assert again.status_code == 422 and again.get_json()["error"]["code"] == "invalid"


def test_a_member_completing_their_profile_is_noted_for_staff_only():
    from sqlalchemy import select

    from alumni.models import AuditEntry
    from alumni.services.membership import update_profile

    imported = make_member(given_name="Rahul", family_name="Joshi", email="rahul@work.example.org")
    newcomer = make_user("member", email="rahul.private@example.org")
    member = newcomer.member
    update_profile(member, {"given_name": "Rahul", "family_name": "Joshi", "country": "IN"}, actor=newcomer)
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "member.possible_duplicate")).one()
    assert entry.member_id == member.id and entry.actor_id is None
    assert entry.changes["candidates"][1][0]["member_ids"] == sorted([imported.id, member.id])


def test_an_import_says_how_many_possible_duplicates_it_made(app, tmp_path):
    from alumni.services.imports import COLUMNS

    make_member(given_name="Ana", family_name="Silva", country="BR", email="ana@work.example.org")
    src = tmp_path / "members.csv"
    src.write_text(",".join(COLUMNS) + "\n" "ana.silva@example.org,Ana,Silva,,BR,es,Biology,SSP-A,2019,inbound,"
                   "2019-07-01,2019-07-07,Tohoku University,JP,USP,BR\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["members", "import", str(src)])
    assert "possible duplicates: 0" in result.output  # a namesake without the same participation
    assert result.output.strip().splitlines()[-1] == "created 1, updated 0, unchanged 0, rejected 0"


def test_an_import_job_counts_the_possible_duplicates_it_made():
    from alumni.services import import_jobs
    from alumni.services.imports import COLUMNS

    first = make_member(given_name="Ana", family_name="Silva", country="BR", email="ana@work.example.org")
    make_participation(first, **STAY)
    data = (",".join(COLUMNS) + "\n" "ana.silva@example.org,Ana,Silva,,BR,es,Biology,SSP-A,2019,inbound,"
            "2019-07-01,2019-07-07,Tohoku University,JP,USP,BR\n").encode()
    job = import_jobs.enqueue_import(data, "members.csv", dry_run=False, actor=None)
    db.session.commit()
    done = import_jobs.run_pending_imports()
    assert done.id == job.id and done.created == 1 and done.possible_duplicates == 1
