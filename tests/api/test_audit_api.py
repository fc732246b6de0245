"""GET /api/v1/audit: staff read any member's or event's log; organizers their events' only;
members none."""
from alumni.extensions import db
from alumni.services import members as msvc
from alumni.services import registrations as rsvc
from tests.factories import ApiClient, make_event, make_member, make_token, make_user


def test_staff_read_a_member_s_log_newest_first_with_the_actor(client):
    api = ApiClient(client)
    staff = make_user("staff")
    member = make_member(given_name="Mei")
    msvc.update_member(member, {"given_name": "Meiko"}, actor=staff)
    msvc.update_member(member, {"field": "Biology"}, actor=staff)
    db.session.commit()
    response = api.get(f"/audit?member={member.id}&per_page=1", make_token(staff))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 3  # created (by the system), then two changes
    [newest] = body["items"]
    assert newest["action"] == "member.updated" and newest["changes"] == {"field": ["", "Biology"]}
    assert newest["actor"]["id"] == staff.id and newest["actor"]["role"] == "staff"
    assert newest["object"] == {"type": "members", "id": member.id} and newest["member_id"] == member.id
    second = api.get(f"/audit?member={member.id}&per_page=1&page=3", make_token(staff)).get_json()["items"]
    assert second[0]["action"] == "member.created" and second[0]["actor"] is None


def test_members_may_not_read_the_log_not_even_their_own(client):
    api = ApiClient(client)
    user = make_user("member")
    assert api.get(f"/audit?member={user.member_id}", make_token(user)).status_code == 403
    assert api.get("/audit?member=999999", make_token(user)).status_code == 403  # no probing of ids


def test_an_unknown_member_or_event_is_404_and_asking_for_nothing_is_422(client):
    api = ApiClient(client)
    token = make_token(make_user("staff"))
    assert api.get("/audit?member=999999", token).status_code == 404
    assert api.get("/audit?event=999999", token).status_code == 404
    response = api.get("/audit", token)
    assert response.status_code == 422 and "member" in response.get_json()["error"]["fields"]
    assert api.get("/audit?member=1", None).status_code == 401


def test_organizers_read_their_own_events_log_only(client):
    api = ApiClient(client)
    own, other = make_event("IN"), make_event("LK")
    organizer = make_user("organizer", chapter="IN")
    member = make_member()
    rsvc.respond(own, member, "yes", actor=organizer)
    db.session.commit()
    token = make_token(organizer)
    body = api.get(f"/audit?event={own.id}", token).get_json()
    answered = [i for i in body["items"] if i["action"] == "registration.answered"]
    assert answered[0]["actor"]["id"] == organizer.id and answered[0]["member_id"] == member.id
    assert answered[0]["changes"]["status"] == [None, "yes"]
    assert api.get(f"/audit?event={other.id}", token).status_code == 403
    assert api.get(f"/audit?member={member.id}", token).status_code == 403
