"""The audit log on pages: staff on a member's page, organizers and staff per event, and the
member on /me (who did what to their record, staff shown as "Club staff")."""
from flask_babel import force_locale

from alumni.extensions import db
from alumni.services import audit
from alumni.services import members as msvc
from alumni.services import registrations as rsvc
from alumni.web import audit as web_audit
from tests.factories import PASSWORD, login, make_account, make_event, make_member, make_user


def test_staff_see_who_changed_a_member_s_record_on_its_page(client):
    staff, colleague = make_user("staff", password=PASSWORD), make_user("staff")
    member = make_member(given_name="Hana", visibility="members")
    msvc.update_member(member, {"field": "Marine biology"}, actor=colleague)
    msvc.update_member(member, {"field": "Oceanography"}, actor=staff)
    db.session.commit()
    login(client, staff)
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "Changes to this record" in page
    assert "Record changed" in page
    assert "Field of research or study: <bdi>Marine biology</bdi> → <bdi>Oceanography</bdi>" in page
    assert colleague.email in page and "You" in page  # staff see which account; their own as "You"
    assert "The system" in page  # the record was created by no one (the factory, as the CLI would)


def test_a_member_sees_what_was_done_to_their_record_staff_named_club_staff(client):
    user = make_account("own.record@example.org")
    staff = make_user("staff", email="head.office@example.org")
    msvc.update_member(user.member, {"field": "Chemistry"}, actor=staff)
    db.session.commit()
    login(client, user)
    page = client.get("/me").get_data(as_text=True)
    assert "What was done to your record" in page
    assert "Club staff" in page and "Chemistry" in page
    assert "head.office@example.org" not in page  # staff accounts are not named to members


def test_the_member_page_of_someone_else_shows_no_log_to_a_member(client):
    user = make_account("curious@example.org")
    other = make_member(visibility="members")
    msvc.update_member(other, {"field": "Law"}, actor=make_user("staff"))
    db.session.commit()
    login(client, user)
    page = client.get(f"/members/{other.id}").get_data(as_text=True)
    assert "Changes to this record" not in page


def test_an_event_s_changes_for_its_organizers_with_pages_and_an_empty_state(client, monkeypatch):
    event = make_event("IN", title="Diwali evening")
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    quiet = make_event("IN", title="Quiet evening")
    db.session.execute(db.delete(audit.AuditEntry).where(audit.AuditEntry.event_id == quiet.id))
    for _ in range(3):
        rsvc.respond(event, make_member(), "yes", actor=organizer)
    db.session.commit()
    monkeypatch.setattr(web_audit, "PER_PAGE", 2)
    login(client, organizer)
    first = client.get(f"/manage/events/{event.id}/audit").get_data(as_text=True)
    assert "Answer given or changed" in first and "Page 1 of 3" in first  # 3 answers, created, published
    assert f"/manage/events/{event.id}/audit?page=2" in first
    last = client.get(f"/manage/events/{event.id}/audit?page=3").get_data(as_text=True)
    assert "Event created" in last and "The system" in last
    empty = client.get(f"/manage/events/{quiet.id}/audit").get_data(as_text=True)
    assert "Nothing has been changed yet." in empty
    assert client.get(f"/manage/events/{event.id}/audit?page=x").status_code in (400, 422)
    other = make_event("LK")
    assert client.get(f"/manage/events/{other.id}/audit").status_code == 403


def test_times_are_in_the_viewer_s_zone_and_language(client):
    user = make_account("zone@example.org", timezone="Asia/Tokyo", preferred_language="ja")
    msvc.update_member(user.member, {"field": "Physics"}, actor=user)
    db.session.commit()
    entry = db.session.scalars(db.select(audit.AuditEntry).where(audit.AuditEntry.action == "member.updated")).one()
    from babel.dates import format_datetime

    with force_locale("ja"):
        expected = format_datetime(entry.at, "medium", tzinfo=__import__("zoneinfo").ZoneInfo("Asia/Tokyo"),
                                   locale="ja")
    login(client, user)
    page = client.get("/me", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert expected in page and "Asia/Tokyo" in page
