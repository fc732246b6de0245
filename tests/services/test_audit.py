"""The audit log: every change made through a service is recorded with its actor, its action and
the before/after of the fields that matter — one case per service entry point that changes
something. And secrets never reach the log."""
from datetime import date

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import AuditEntry, ConsentKind
from alumni.services import (
    accounts,
    audit,
    calendars,
    chapters,
    email_change,
    institutions,
    invitations,
    membership,
    privacy,
    tokens,
)
from alumni.services import events as esvc
from alumni.services import members as msvc
from alumni.services import registrations as rsvc
from alumni.services.imports import import_members
from tests.factories import (
    make_account,
    make_career,
    make_chapter,
    make_event,
    make_member,
    make_participation,
    make_return,
    make_user,
)

PASSWORD = "a long enough passphrase"


def _event_values(chapter="IN"):
    from datetime import datetime, timedelta

    start = datetime.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=30)
    return {"kind": "reunion", "title": "Hanami", "description": "", "language": "en",
            "starts_at": start.replace(hour=18), "ends_at": start.replace(hour=21), "timezone": "Asia/Kolkata",
            "venue": "Hall A", "country": "IN", "chapter": chapter}


# Each case prepares what it needs and answers (call, action, member, event, expected changes):
# `call(actor)` makes the change; the entry must carry that member and event (None: none) and
# at least the expected {field: [before, after]}.
def c_create_member(actor):
    return (lambda: msvc.create_member({"email": "new@example.org", "given_name": "Aiko", "country": "JP"}, actor=actor),
            "member.created", "new", None, {"email": [None, "new@example.org"], "given_name": [None, "Aiko"]})


def c_update_member(actor):
    m = make_member(given_name="Priya")
    return (lambda: msvc.update_member(m, {"given_name": "Priyanka"}, actor=actor),
            "member.updated", m, None, {"given_name": ["Priya", "Priyanka"]})


def c_update_profile(actor):
    m = make_member(field="")
    return (lambda: membership.update_profile(m, {"field": "Chemistry"}, actor=actor),
            "member.updated", m, None, {"field": ["", "Chemistry"]})


def c_delete_member(actor):
    m = make_member()
    return (lambda: msvc.delete_member(m, actor=actor), "member.deleted", None, None, {"id": [m.id, None]})


def c_add_participation(actor):
    m = make_member()
    return (lambda: msvc.add_participation(m, {"programme": "SSP-A", "start_date": date(2019, 7, 1),
                                               "end_date": date(2019, 7, 7)}, actor=actor),
            "participation.added", m, None, {"programme_code": [None, "SSP-A"], "start_date": [None, "2019-07-01"]})


def c_update_participation(actor):
    m = make_member()
    p = make_participation(m)
    return (lambda: msvc.update_participation(p, {"end_date": date(2019, 7, 9)}, actor=actor),
            "participation.updated", m, None, {"end_date": ["2019-07-07", "2019-07-09"]})


def c_delete_record(actor):
    m = make_member()
    p = make_participation(m)
    return (lambda: msvc.delete_record(p, actor=actor), "participation.deleted", m, None,
            {"programme_code": ["SSP-A", None]})


def c_add_career(actor):
    m = make_member()
    return (lambda: msvc.add_career(m, {"organisation": "RIKEN", "country": "JP", "role": "researcher",
                                        "start_date": date(2022, 4, 1)}, actor=actor),
            "career.added", m, None, {"organisation": [None, "RIKEN"]})


def c_update_career(actor):
    m = make_member()
    c = make_career(m)
    return (lambda: msvc.update_career(c, {"title": "Professor"}, actor=actor),
            "career.updated", m, None, {"title": ["", "Professor"]})


def c_add_return(actor):
    m = make_member()
    return (lambda: msvc.add_return(m, {"purpose": "study", "start_date": date(2023, 4, 1)}, actor=actor),
            "return.added", m, None, {"purpose": [None, "study"]})


def c_update_return(actor):
    m = make_member()
    r = make_return(m)
    return (lambda: msvc.update_return(r, {"purpose": "study"}, actor=actor),
            "return.updated", m, None, {"purpose": ["research", "study"]})


def c_create_event(actor):
    make_chapter("IN")
    return (lambda: esvc.create_event(_event_values(), actor=actor), "event.created", None, "new",
            {"title": [None, "Hanami"], "status": [None, "draft"]})


def c_update_event(actor):
    e = make_event(venue="Hall A")
    return (lambda: esvc.update_event(e, {"venue": "Hall B"}, actor=actor), "event.updated", None, e,
            {"venue": ["Hall A", "Hall B"]})


def c_publish_event(actor):
    e = make_event(publish=False)
    return (lambda: esvc.publish_event(e, actor=actor), "event.published", None, e, {"status": ["draft", "published"]})


def c_cancel_event(actor):
    e = make_event()
    return (lambda: esvc.cancel_event(e, actor=actor), "event.cancelled", None, e, {"status": ["published", "cancelled"]})


def c_respond(actor):
    e, m = make_event(), make_member()
    return (lambda: rsvc.respond(e, m, "yes", actor=actor), "registration.answered", m, e,
            {"response": [None, "yes"], "status": [None, "yes"]})


def c_change_registration(actor):
    e, m = make_event(), make_member()
    reg = rsvc.respond(e, m, "yes").registration
    db.session.commit()
    return (lambda: rsvc.change_registration(reg, {"response": "maybe"}, actor=actor), "registration.answered", m, e,
            {"response": ["yes", "maybe"], "status": ["yes", "maybe"]})


def c_withdraw(actor):
    e, m = make_event(), make_member()
    reg = rsvc.respond(e, m, "yes").registration
    db.session.commit()
    return (lambda: rsvc.withdraw(reg, actor=actor), "registration.withdrawn", m, e, {"status": ["yes", "cancelled"]})


def c_promote(actor):
    e, first, second = make_event(capacity=1), make_member(), make_member()
    reg = rsvc.respond(e, first, "yes").registration
    rsvc.respond(e, second, "yes")
    db.session.commit()
    return (lambda: rsvc.withdraw(reg, actor=actor), "registration.promoted", second, e,
            {"status": ["waitlisted", "yes"]})


def c_check_in(actor):
    e, m = make_event(), make_member()
    reg = rsvc.respond(e, m, "yes").registration
    db.session.commit()
    return (lambda: rsvc.check_in(reg, actor=actor), "registration.checked_in", m, e, {})


def c_queue_invitations(actor):
    e = make_event()
    make_member()
    return (lambda: invitations.queue_invitations(e, invitations.Audience(), actor=actor), "invitations.sent", None, e,
            {"queued": [0, 1]})


def c_unsubscribe(actor):
    m = make_member()
    return (lambda: invitations.unsubscribe(m, actor=actor), "invitations.unsubscribed", m, None,
            {"invitations": [True, False]})


def c_resubscribe(actor):
    m = make_member()
    invitations.unsubscribe(m)
    db.session.commit()
    return (lambda: invitations.resubscribe(m, actor=actor), "invitations.resubscribed", m, None,
            {"invitations": [False, True]})


def c_reset_calendar_token(actor):
    m = make_member()
    return (lambda: calendars.reset_calendar_token(m, actor=actor), "calendar.feed_reset", m, None, {})


def c_set_calendar_alarm(actor):
    m = make_member()
    return (lambda: calendars.set_calendar_alarm(m, "60", actor=actor), "calendar.alarm_set", m, None,
            {"calendar_alarm_minutes": [1440, 60]})


def c_create_user(actor):
    return (lambda: accounts.create_user("org@example.org", "organizer", chapter=make_event().chapter.code,
                                         actor=actor),
            "account.created", None, None, {"email": [None, "org@example.org"], "role": [None, "organizer"]})


def c_set_password(actor):
    user = make_user("staff")
    return (lambda: accounts.set_password(user, PASSWORD, actor=actor), "account.password_set", None, None,
            {"password_set": [False, True]})


def c_prepare_claim(actor):
    m = make_member()
    return (lambda: membership.prepare_claim(m, actor=actor), "account.created", m, None, {"role": [None, "member"]})


def c_issue_token(actor):
    user = make_user("staff")
    return (lambda: tokens.issue_token(user, 30, actor=actor), "token.issued", None, None, {"user_id": [None, user.id]})


def c_revoke_token(actor):
    user = make_user("staff")
    tokens.issue_token(user)
    db.session.commit()
    [token] = tokens.list_tokens(user)
    return (lambda: tokens.revoke_token(token, actor=actor), "token.revoked", None, None, {})


def c_record_consent(actor):
    m = make_member()
    return (lambda: membership.record_consent(m, ConsentKind.directory_listing, False, actor=actor),
            "consent.withdrawn", m, None, {"directory_listing": [None, False]})


def c_create_chapter(actor):
    return (lambda: chapters.create_chapter("LK", "Sri Lanka chapter", ["LK"], actor=actor), "chapter.created", None, None,
            {"code": [None, "LK"], "countries": [None, ["LK"]]})


def c_create_institution(actor):
    return (lambda: institutions.create_institution({"name": "Tohoku University", "country": "JP"}, actor=actor),
            "institution.created", None, None, {"name": [None, "Tohoku University"], "country": [None, "JP"]})


def c_import_members(actor):
    from alumni.services.imports import COLUMNS

    row = {**dict.fromkeys(COLUMNS, ""), "email": "imported@example.org", "given_name": "Ravi",
           "family_name": "Kumar", "country": "IN", "programme": "SSP-A", "fiscal_year": "2019",
           "direction": "inbound", "start_date": "2019-07-01", "end_date": "2019-07-07"}
    return (lambda: import_members([(2, row)], actor=actor, end_batch=lambda: None), "members.imported", None, None,
            {"created": [0, 1]})


CASES = [c_create_member, c_update_member, c_update_profile, c_delete_member, c_add_participation,
         c_update_participation, c_delete_record, c_add_career, c_update_career, c_add_return, c_update_return,
         c_create_event, c_update_event, c_publish_event, c_cancel_event, c_respond, c_change_registration,
         c_withdraw, c_promote, c_check_in, c_queue_invitations, c_unsubscribe, c_resubscribe,
         c_reset_calendar_token, c_set_calendar_alarm, c_create_user, c_set_password, c_prepare_claim,
         c_issue_token, c_revoke_token, c_record_consent, c_create_chapter, c_create_institution,
         c_import_members]


def _resolve(expected, model, result):
    """The id an entry should carry: a model object's, or the one the call created ("new")."""
    if expected is None:
        return None
    if expected == "new":
        obj = getattr(result, "registration", result)
        return obj.id if isinstance(obj, model) else None
    return expected.id


@pytest.mark.parametrize("case", CASES, ids=[c.__name__[2:] for c in CASES])
def test_each_change_through_a_service_is_logged_with_its_actor(case):
    from alumni.models import Event, Member

    actor = make_user("staff")
    call, action, member, event, expected = case(actor)
    # Not max(id): SQLite gives a new row the id of a deleted last one (an erased member's entry).
    before = {(i, a) for i, a in db.session.execute(select(AuditEntry.id, AuditEntry.action))}
    result = call()
    db.session.commit()
    found = [e for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                           .order_by(AuditEntry.id)) if (e.id, e.action) not in before]
    assert found, f"no {action} entry"
    entry = found[-1]
    assert entry.actor_id == actor.id and entry.actor_role == "staff"
    assert entry.at is not None
    assert entry.member_id == _resolve(member, Member, result)
    assert entry.event_id == _resolve(event, Event, result)
    for field, before_after in expected.items():
        assert entry.changes.get(field) == before_after, (field, entry.changes)


def test_secrets_never_reach_the_log():
    user = make_account("secret@example.org")
    membership.change_password(user, PASSWORD, "another long passphrase")
    token = tokens.issue_token(user, 30, actor=user)
    calendars.reset_calendar_token(user.member, actor=user)
    db.session.commit()
    stored = repr([(e.action, e.changes) for e in db.session.scalars(select(AuditEntry))])
    assert "password_hash" not in stored and token not in stored and user.password_hash not in stored
    assert user.member.calendar_token not in stored
    entry = audit.record(user, "test.secret", changes={"password": ["a", "b"], "api_token": ["x", "y"], "x": [1, 2]})
    assert entry.changes == {"x": [1, 2]}


def test_the_system_is_an_actor_of_none_and_nothing_changed_is_not_logged():
    m = make_member(given_name="Ken")
    msvc.update_member(m, {"given_name": "Ken"})  # no change
    msvc.update_member(m, {"given_name": "Kenji"})  # the CLI or a worker: no actor
    db.session.commit()
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.member_id == m.id,
                                                               AuditEntry.action == "member.updated")))
    assert [(e.actor_id, e.changes) for e in entries] == [(None, {"given_name": ["Ken", "Kenji"]})]


def test_a_member_s_own_changes_name_them_and_erasure_removes_their_entries():
    user = make_account("own@example.org")
    member = user.member
    membership.update_profile(member, {"field": "Physics"}, actor=user)
    privacy.accept_notice(member)
    db.session.commit()
    mine = list(db.session.scalars(select(AuditEntry).where(AuditEntry.member_id == member.id)))
    assert {e.action for e in mine} >= {"member.updated", "consent.given"}
    assert all(e.actor_id in (user.id, None) for e in mine)
    assert [e.actor_id for e in mine if e.action == "consent.given"] == [user.id]
    member_id = member.id
    membership.delete_account(user, PASSWORD)
    db.session.commit()
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.member_id == member_id)).all() == []
    [erased] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erased"))
    assert erased.actor_id is None and erased.actor_name == "" and erased.subject_id == member_id


def test_an_email_change_is_logged_when_asked_and_when_confirmed():
    user = make_account("before@example.org")
    member = user.member
    email_change.request_email_change(member, "after@example.org")
    db.session.commit()
    token = email_change.make_email_change_token(member)
    email_change.confirm_email_change(token)
    db.session.commit()
    rows = [(e.action, e.actor_id, e.changes) for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.member_id == member.id, AuditEntry.action.like("email.%"))
        .order_by(AuditEntry.id))]
    assert rows == [("email.change_requested", user.id, {"pending_email": [None, "after@example.org"]}),
                    ("email.changed", user.id, {"email": ["before@example.org", "after@example.org"]})]
