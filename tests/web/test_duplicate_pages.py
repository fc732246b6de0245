"""The staff pages for duplicates: the list, the merge page with its confirmation, undo."""
from __future__ import annotations

from datetime import date

from alumni.extensions import db
from alumni.models import Member
from tests.factories import PASSWORD, login, make_member, make_participation, make_user

STAY = {"start_date": date(2019, 7, 1), "end_date": date(2019, 7, 7)}


def pair():
    a = make_member(given_name="Wei", family_name="Zhang", country="CN", email="wei@example.org")
    b = make_member(given_name="伟", family_name="张", family_name_first=True, country="CN", email="zw@example.cn",
                    native_name="张伟")
    make_participation(a, **STAY)
    make_participation(b, **STAY)
    return a.id, b.id


def test_empty_list(client):
    login(client, make_user("staff", password=PASSWORD))
    page = client.get("/staff/duplicates").get_data(as_text=True)
    assert "No possible duplicates found." in page and "No merges yet." in page


def test_list_merge_with_confirmation_then_undo(client):
    a_id, b_id = pair()
    login(client, make_user("staff", password=PASSWORD))
    page = client.get("/staff/duplicates").get_data(as_text=True)
    assert "Same name in another script" in page and "Same participation" in page
    assert f"/staff/duplicates/merge/{a_id}/{b_id}" in page
    merge_page = client.get(f"/staff/duplicates/merge/{a_id}/{b_id}").get_data(as_text=True)
    assert 'name="given_name" value="duplicate"' in merge_page and "None" not in merge_page
    zone = db.session.get(Member, a_id).timezone
    assert f"<bdi>{zone}</bdi>" not in merge_page and "India" in merge_page  # the zone by name, not IANA id
    asked = client.post(f"/staff/duplicates/merge/{a_id}/{b_id}", data={"native_name": "duplicate"})
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    assert db.session.get(Member, b_id) is not None  # nothing happened yet
    done = client.post(f"/staff/duplicates/merge/{a_id}/{b_id}", data={"native_name": "duplicate", "confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, b_id) is None
    assert db.session.get(Member, a_id).native_name == "张伟"
    listing = client.get("/staff/duplicates").get_data(as_text=True)
    assert "Undo…" in listing
    merge_id = int(listing.split("/staff/merges/")[1].split("/")[0])
    asked = client.post(f"/staff/merges/{merge_id}/undo")
    assert 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    assert client.post(f"/staff/merges/{merge_id}/undo", data={"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, b_id).email == "zw@example.cn"
    assert "Undone on" in client.get("/staff/duplicates").get_data(as_text=True)
