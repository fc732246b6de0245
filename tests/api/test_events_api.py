"""The events API: shapes of INTERFACES.md, permissions across chapters, RSVP, check-in, summary."""
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import Event, Registration
from tests.factories import make_chapter, make_event, make_institution, make_member, make_token, make_user

NEW = {"kind": "reunion", "title": "7th India alumni reunion", "description": "New Delhi",
       "translations": {"ja": {"title": "第7回インド同窓会", "description": "ニューデリー"}},
       "starts_at": "2027-01-23T18:00:00", "ends_at": "2027-01-23T21:00:00", "timezone": "Asia/Kolkata",
       "venue": "India Habitat Centre", "capacity": 2, "registration_deadline": "2027-01-20T23:59:00",
       "chapter": "IN"}


def organizer(chapter="IN"):
    if chapter != "IN":
        make_chapter(chapter, f"{chapter} chapter", ())
    return make_token(make_user("organizer", chapter=chapter if chapter != "IN" else None))


def member_token(member=None):
    member = member or make_member()
    return member, make_token(make_user("member", member=member))


def test_organizer_creates_publishes_and_cancels(api):
    token = organizer()
    r = api.post("/events", token, json=NEW)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "draft" and body["starts_at"] == "2027-01-23T18:00:00"
    assert body["timezone"] == "Asia/Kolkata" and body["chapter"] == "IN" and body["places_left"] == 2
    assert body["translations"]["ja"]["title"] == "第7回インド同窓会"
    event_id = body["id"]
    assert api.post(f"/events/{event_id}/publish", token).get_json()["status"] == "published"
    r = api.patch(f"/events/{event_id}", token, json={"starts_at": "2027-01-23T17:00:00"})
    assert r.status_code == 200 and r.get_json()["sequence"] == 2
    assert api.post(f"/events/{event_id}/cancel", token).get_json()["status"] == "cancelled"
    assert api.post(f"/events/{event_id}/cancel", token).status_code == 409


def test_bad_event_input_is_422_with_the_field(api):
    token = organizer()
    r = api.post("/events", token, json={**NEW, "starts_at": "2027-01-23T18:00:00+05:30"})
    assert r.status_code == 422 and "starts_at" in r.get_json()["error"]["fields"]
    r = api.post("/events", token, json={**NEW, "timezone": "Mars/Olympus"})
    assert r.status_code == 422 and "timezone" in r.get_json()["error"]["fields"]
    r = api.post("/events", token, json={**NEW, "capacity": "lots"})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_organizer_of_another_chapter_cannot_see_or_change(api):
    draft = make_event("IN", publish=False)
    public = make_event("IN")
    other = organizer("JP")
    assert api.get(f"/events/{draft.id}", other).status_code == 404
    assert api.patch(f"/events/{draft.id}", other, json={"title": "x"}).status_code == 404
    assert api.patch(f"/events/{public.id}", other, json={"title": "x"}).status_code == 403
    assert api.post(f"/events/{public.id}/cancel", other).status_code == 403
    assert api.get(f"/events/{public.id}/summary", other).status_code == 403
    assert api.get(f"/events/{public.id}/registrations", other).status_code == 403
    assert api.post("/events", other, json=NEW).status_code == 403  # chapter IN is not theirs
    _member, mtoken = member_token()
    reg_id = api.post(f"/events/{public.id}/registrations", mtoken, json={"response": "yes"}).get_json()["id"]
    assert api.post(f"/registrations/{reg_id}/check-in", other).status_code == 404
    assert api.patch(f"/registrations/{reg_id}", other, json={"status": "cancelled"}).status_code == 404
    ids = [e["id"] for e in api.get("/events", other).get_json()["items"]]
    assert public.id in ids and draft.id not in ids
    assert db.session.get(Event, public.id).title != "x"


def test_members_cannot_manage_and_answer_only_for_themselves(api):
    event = make_event(capacity=5)
    _me, token = member_token()
    someone = make_member()
    assert api.post("/events", token, json=NEW).status_code == 403
    assert api.post(f"/events/{event.id}/publish", token).status_code == 403
    r = api.post(f"/events/{event.id}/registrations", token, json={"response": "yes", "member_id": someone.id})
    assert r.status_code == 404  # the answer for a member that does not exist: no probing of ids
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_rsvp_waitlist_change_and_withdraw(api):
    event = make_event(capacity=1)
    (a, ta), (_b, tb) = member_token(), member_token()
    r = api.post(f"/events/{event.id}/registrations", ta, json={"response": "yes"})
    assert r.status_code == 201 and r.get_json()["status"] == "yes" and r.get_json()["member_id"] == a.id
    r = api.post(f"/events/{event.id}/registrations", tb, json={"response": "yes"})
    assert r.get_json()["status"] == "waitlisted" and r.get_json()["waitlist_position"] == 1
    b_reg = r.get_json()["id"]
    r = api.post(f"/events/{event.id}/registrations", ta, json={"response": "maybe"})
    assert r.status_code == 200 and r.get_json()["status"] == "maybe"
    assert api.get(f"/events/{event.id}/registrations", tb).get_json()["items"][0]["status"] == "yes"
    r = api.patch(f"/registrations/{b_reg}", tb, json={"status": "cancelled"})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    r = api.patch(f"/registrations/{b_reg}", tb, json={"status": "yes"})
    assert r.status_code == 422


def test_answers_to_a_draft_are_refused_clearly(api):
    draft = make_event(publish=False)
    staff = make_token(make_user("staff"))
    member = make_member()
    r = api.post(f"/events/{draft.id}/registrations", staff, json={"response": "yes", "member_id": member.id})
    assert r.status_code == 409 and "not published" in r.get_json()["error"]["message"]


def test_check_in_twice_is_409_and_counts_once(api):
    event = make_event(capacity=3)
    org = make_token(make_user("organizer"))
    _m, token = member_token()
    reg_id = api.post(f"/events/{event.id}/registrations", token, json={"response": "yes"}).get_json()["id"]
    assert api.post(f"/registrations/{reg_id}/check-in", token).status_code == 403  # not the member
    r = api.post(f"/registrations/{reg_id}/check-in", org)
    assert r.status_code == 200 and r.get_json()["checked_in_at"]
    assert api.post(f"/registrations/{reg_id}/check-in", org).status_code == 409
    summary = api.get(f"/events/{event.id}/summary", org).get_json()
    assert summary["checked_in"] == 1 and summary["places_left"] == 2


def test_forum_summary_by_side_and_institution_kind(api):
    event = make_event(kind="forum", side_quotas={"IN": 10, "JP": 10})
    staff = make_token(make_user("staff"))
    rows = [("IN", "university"), ("IN", "university"), ("JP", "university"),
            ("JP", "research_institute"), ("JP", "company"), ("JP", "other")]
    for side, kind in rows:
        inst = make_institution(kind=kind, country=side)
        r = api.post(f"/events/{event.id}/registrations", staff,
                     json={"response": "yes", "member_id": make_member().id, "side": side, "institution_id": inst.id})
        assert r.status_code == 201, r.get_json()
    summary = api.get(f"/events/{event.id}/summary", staff).get_json()
    assert summary["sides"]["IN"] == {"people": 2, "institutions": {
        "university": 2, "research_institute": 0, "company": 0, "related_organisation": 0, "government": 0, "other": 0}}
    assert summary["sides"]["JP"]["institutions"] == {
        "university": 1, "research_institute": 1, "company": 1, "related_organisation": 0, "government": 0, "other": 1}
    assert summary["by_status"]["yes"] == 6


def test_event_list_is_public_and_filterable(api):
    make_event(kind="webinar", venue="", country=None, online_url="https://meet.example/a")
    make_event(kind="reunion")
    r = api.get("/events?kind=webinar")
    assert r.status_code == 200 and r.get_json()["total"] == 1
    assert api.get("/events?mode=teleport").status_code == 422


def test_drafts_are_not_confirmed_to_strangers_and_the_ticket_url_works(api, client):
    draft = make_event(publish=False)
    assert api.get(f"/events/{draft.id}").status_code == 404
    assert api.get("/events/999999").status_code == 404
    event = make_event()
    _m, token = member_token()
    body = api.post(f"/events/{event.id}/registrations", token, json={"response": "yes"}).get_json()
    assert body["ticket_url"].startswith("http://alumni.test/tickets/")
    path = body["ticket_url"].removeprefix("http://alumni.test")
    assert "<svg" in client.get(path).get_data(as_text=True)


def test_a_member_without_a_token_or_profile_cannot_answer(api):
    event = make_event()
    assert api.post(f"/events/{event.id}/registrations", json={"response": "yes"}).status_code == 401
    staff = make_token(make_user("staff"))
    r = api.post(f"/events/{event.id}/registrations", staff, json={"response": "yes"})
    assert r.status_code == 422 and "member_id" in r.get_json()["error"]["fields"]
