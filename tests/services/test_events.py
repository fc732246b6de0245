"""Events: local times with their zone, validation, status changes, sequence, listing filters."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from alumni.errors import Conflict, ServiceError
from alumni.extensions import db
from alumni.models import Event, EventStatus
from alumni.services import events as svc
from tests.factories import make_chapter, make_event, make_user

BASE = {"kind": "reunion", "title": "7th India alumni reunion", "starts_at": "2027-01-23T18:00:00",
        "ends_at": "2027-01-23T21:00:00", "timezone": "Asia/Kolkata", "venue": "New Delhi", "chapter": "IN"}


def test_event_keeps_local_time_and_zone_and_derives_utc():
    make_chapter()
    event = svc.create_event(BASE)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert stored.starts_at == datetime(2027, 1, 23, 18, 0) and stored.starts_at.tzinfo is None
    assert stored.timezone == "Asia/Kolkata"
    assert svc.starts_utc(stored) == datetime(2027, 1, 23, 12, 30, tzinfo=UTC)
    assert stored.status == EventStatus.draft and stored.sequence == 0


@pytest.mark.parametrize("change, field", [
    ({"starts_at": "2027-01-23T18:00:00+05:30"}, "starts_at"),
    ({"starts_at": "23/01/2027 18:00"}, "starts_at"),
    ({"ends_at": "2027-01-23T17:00:00"}, "ends_at"),
    ({"timezone": "India/Delhi"}, "timezone"),
    ({"venue": "", "online_url": ""}, "venue"),
    ({"online_url": "javascript:alert(1)"}, "online_url"),
    ({"capacity": -1}, "capacity"),
    ({"kind": "party"}, "kind"),
    ({"language": "xx"}, "language"),
    ({"translations": {"klingon": {"title": "x"}}}, "translations"),
    ({"side_quotas": {"IN": "many"}}, "side_quotas"),
    ({"registration_deadline": "2027-02-01T00:00:00"}, "registration_deadline"),
    ({"chapter": "NOPE"}, "chapter"),
])
def test_bad_event_input_names_the_field_and_writes_nothing(change, field):
    make_chapter()
    with pytest.raises(ServiceError) as info:
        svc.create_event({**BASE, **change})
    assert field in getattr(info.value, "fields", {}), info.value
    db.session.rollback()
    assert db.session.scalar(select(Event.id)) is None


def test_translations_are_served_per_language_with_fallback():
    make_chapter()
    event = svc.create_event({**BASE, "translations": {"ja": {"title": "第7回インド同窓会"}, "en": {"title": "x"}}})
    assert event.text_in("ja")[0] == "第7回インド同窓会"
    assert event.text_in("hi")[0] == "7th India alumni reunion"
    assert "en" not in event.translations  # the default language is not repeated


def test_sequence_bumps_on_time_place_and_status_only():
    event = make_event(publish=False)
    svc.update_event(event, {"title": "Renamed"})
    assert event.sequence == 0
    svc.update_event(event, {"venue": "Another hall"})
    assert event.sequence == 1
    svc.update_event(event, {"starts_at": event.starts_at.replace(hour=17).isoformat()})
    assert event.sequence == 2
    svc.publish_event(event)
    assert event.sequence == 3
    svc.cancel_event(event)
    assert (event.status, event.sequence) == (EventStatus.cancelled, 4)


def test_cancelled_event_cannot_be_published_or_changed():
    event = make_event()
    svc.cancel_event(event)
    with pytest.raises(Conflict):
        svc.publish_event(event)
    with pytest.raises(Conflict):
        svc.update_event(event, {"title": "x"})
    with pytest.raises(Conflict):
        svc.cancel_event(event)


def test_list_filters_kind_chapter_country_mode_and_time():
    make_chapter("JP", "Japan chapter", ("JP",))
    reunion = make_event("IN")
    webinar = make_event("JP", kind="webinar", venue="", country=None, online_url="https://meet.example/x")
    past = make_event("IN", starts_at="2023-01-23T10:00:00", ends_at="2023-01-23T17:00:00", kind="forum",
                      timezone="Asia/Tokyo", country="JP", venue="Tokyo")
    draft = make_event("IN", publish=False)

    def ids(**kw):
        return {e.id for e in db.session.scalars(svc.list_events(**kw))}

    assert draft.id not in ids()
    assert draft.id in ids(viewer=make_user("organizer", chapter="IN"))
    assert ids(kind="webinar") == {webinar.id}
    assert ids(chapter="JP") == {webinar.id}
    assert ids(country="JP") == {webinar.id, past.id}  # the venue's country, or the chapter's
    assert ids(mode="online") == {webinar.id}
    assert reunion.id in ids(mode="in_person") and webinar.id not in ids(mode="in_person")
    assert ids(when="past") == {past.id}
    assert ids(when="upcoming") == {reunion.id, webinar.id}


def test_a_cancelled_draft_stays_hidden_and_a_cancelled_public_event_stays_listed():
    from alumni.permissions import can_view_event

    draft = make_event("IN", publish=False, title="Never shown")
    shown = make_event("IN", title="Was shown")
    svc.cancel_event(draft)
    svc.cancel_event(shown)
    db.session.commit()
    assert draft.published_at is None and shown.published_at is not None
    assert not svc.is_public(draft) and svc.is_public(shown)
    assert not can_view_event(None, draft) and can_view_event(None, shown)
    public = {e.title for e in db.session.scalars(svc.list_events())}
    assert public == {"Was shown"}
    # those who manage the chapter still see it
    organizer = make_user("organizer", chapter=draft.chapter.code)
    managed = {e.title for e in db.session.scalars(svc.list_events(viewer=organizer))}
    assert managed == {"Never shown", "Was shown"}


# ---------------------------------------------------------------- list_events(viewer=…)
def _visibility_fixture():
    """Public, cancelled-public, draft and cancelled-draft events in two chapters, and one viewer
    of each kind."""
    make_chapter("JP", "Japan chapter", ("JP",))
    events = {
        "in-public": make_event("IN", title="in-public"),
        "in-draft": make_event("IN", publish=False, title="in-draft"),
        "jp-public": make_event("JP", title="jp-public"),
        "jp-draft": make_event("JP", publish=False, title="jp-draft"),
        "jp-was-public": make_event("JP", title="jp-was-public"),
        "jp-cancelled-draft": make_event("JP", publish=False, title="jp-cancelled-draft"),
    }
    svc.cancel_event(events["jp-was-public"])
    svc.cancel_event(events["jp-cancelled-draft"])
    db.session.commit()
    viewers = {
        "visitor": None,
        "member": make_user("member"),
        "organizer-of-IN": make_user("organizer", chapter="IN"),
        "organizer-of-JP": make_user("organizer", chapter="JP"),
        "staff": make_user("staff"),
    }
    return events, viewers


@pytest.mark.parametrize(("viewer", "expected"), [
    ("visitor", {"in-public", "jp-public", "jp-was-public"}),
    ("member", {"in-public", "jp-public", "jp-was-public"}),
    ("organizer-of-IN", {"in-public", "jp-public", "jp-was-public", "in-draft"}),
    ("organizer-of-JP", {"in-public", "jp-public", "jp-was-public", "jp-draft", "jp-cancelled-draft"}),
    ("staff", {"in-public", "in-draft", "jp-public", "jp-draft", "jp-was-public", "jp-cancelled-draft"}),
])
def test_list_events_shows_each_viewer_what_can_view_event_allows(viewer, expected):
    from alumni.permissions import can_view_event

    events, viewers = _visibility_fixture()
    who = viewers[viewer]
    listed = {e.title for e in db.session.scalars(svc.list_events(viewer=who))}
    assert listed == expected
    # The list and the per-event predicate are one rule: no event listed that its page refuses,
    # none refused that the list would show.
    assert listed == {name for name, e in events.items() if can_view_event(who, e)}


@pytest.mark.parametrize(("viewer", "expected"), [
    ("member", set()),
    ("organizer-of-IN", {"in-public", "in-draft"}),
    ("staff", {"in-public", "in-draft", "jp-public", "jp-draft", "jp-was-public", "jp-cancelled-draft"}),
])
def test_list_events_managed_is_the_organizer_pages_scope(viewer, expected):
    from alumni.permissions import can_manage_event

    events, viewers = _visibility_fixture()
    who = viewers[viewer]
    listed = {e.title for e in db.session.scalars(svc.list_events(viewer=who, managed=True))}
    assert listed == expected
    assert listed == {name for name, e in events.items() if can_manage_event(who, e)}


@pytest.mark.parametrize("viewer", ["visitor", "member", "organizer-of-JP", "staff"])
def test_web_list_and_api_list_show_the_same_events(client, api, viewer):
    """The page /events and GET /api/v1/events ask the same service with the same viewer."""
    from tests.factories import make_token

    events, viewers = _visibility_fixture()
    who = viewers[viewer]
    token = None
    if who is not None:
        from alumni.services import accounts

        accounts.set_password(who, "a long enough passphrase")
        db.session.commit()
        assert client.post("/login", data={"email": who.email, "password": "a long enough passphrase"}
                           ).status_code == 302
        token = make_token(who)
    body = api.get("/events?when=upcoming&per_page=100", token).get_json()
    from_api = {e["title"] for e in body["items"]}
    page = client.get("/events?when=upcoming").get_data(as_text=True)
    from_page = {name for name in events if f">{name}<" in page}
    assert from_api == from_page
    assert from_api == {e.title for e in db.session.scalars(svc.list_events(viewer=who, when="upcoming"))}


def test_event_actions_offer_what_the_commands_take():
    """The organizer page's buttons (event_actions) follow the commands' own refusals."""
    draft = make_event(publish=False)
    assert svc.event_actions(draft) == svc.EventActions(edit=True, publish=True, cancel=True)
    published = make_event()
    assert svc.event_actions(published) == svc.EventActions(edit=True, publish=False, cancel=True)
    svc.cancel_event(published)
    db.session.commit()
    assert svc.event_actions(published) == svc.EventActions(edit=False, publish=False, cancel=False)
    for command in (lambda e: svc.update_event(e, {"title": "New"}), svc.publish_event, svc.cancel_event):
        with pytest.raises(Conflict):
            command(published)
