"""Who gets in where: every route of the app (read from `app.url_map`) × every kind of caller →
the expected outcome. A route without a row fails `test_every_route_has_a_row`: adding a route
means deciding, in one line here, who may use it.

The world: chapter IN (the event's chapter) and LK (another one); `member` owns everything the
paths point at (their member id, participation/career/return ids, their registration, ticket
token and calendar token), `other` is another member trying those same ids (IDOR), `org` is an
organizer of IN, `org2` one of LK, `staff` headquarters. Pages are called with a logged-in
session, /api/v1 with the caller's bearer token.

Outcomes, in the order anonymous, member, other, org, org2, staff:
  ok     2xx, or a redirect that is not to the login page
  login  302 to /login (pages ask anonymous visitors to log in)
  401 403 404 405 409 …  exactly that status
State-changing cells each run in a fresh world, so one caller's success cannot hide another's
refusal.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from alumni.extensions import db as _db
from alumni.services.institutions import find_institution
from tests.conftest import empty_tables
from tests.factories import (
    login,
    make_career,
    make_chapter,
    make_event,
    make_institution,
    make_member,
    make_participation,
    make_return,
    make_token,
    make_user,
)

CALLERS = ("anon", "member", "other", "org", "org2", "staff")
PASSWORD = "a long enough passphrase"
IGNORED_METHODS = {"HEAD", "OPTIONS"}

# ------------------------------------------------------------------------------------------ table
# "METHOD rule": "anon member other org org2 staff". One line per route and method.
MATRIX = {
    # public pages
    "GET /": "ok ok ok ok ok ok",
    "GET /healthz": "ok ok ok ok ok ok",
    "GET /privacy": "ok ok ok ok ok ok",
    "GET /language": "ok ok ok ok ok ok",
    "GET /static/<path:filename>": "ok ok ok ok ok ok",
    "GET /events": "ok ok ok ok ok ok",
    "GET /events/<int:event_id>": "ok ok ok ok ok ok",
    "GET /events/<int:event_id>.ics": "ok ok ok ok ok ok",
    "GET /calendar/events.ics": "ok ok ok ok ok ok",
    # a private feed: the token is the capability (256 bits); a wrong token is tested below
    "GET /calendar/member/<token>.ics": "ok ok ok ok ok ok",
    # the ticket: whoever holds the token (it is what the member shows at the door)
    "GET /tickets/<token>": "ok ok ok ok ok ok",
    # accounts
    "GET /login": "ok ok ok ok ok ok",
    "POST /login": "422 ok ok ok ok ok",  # an empty form; a logged-in caller is sent on
    "POST /logout": "login ok ok ok ok ok",
    "GET /signup": "ok ok ok ok ok ok",
    "POST /signup": "422 ok ok ok ok ok",
    "GET /reset": "ok ok ok ok ok ok",
    "POST /reset": "422 422 422 422 422 422",
    "GET /reset/<token>": "400 400 400 400 400 400",
    "POST /reset/<token>": "400 400 400 400 400 400",
    "GET /claim/<token>": "400 400 400 400 400 400",  # a made-up link
    "POST /claim/<token>": "400 400 400 400 400 400",
    "GET /verify/<token>": "400 400 400 400 400 400",
    # a document's public check (issue 22): a made-up code is refused (genuine/revoked: tests/test_documents.py)
    "GET /verify/d/<code>": "404 404 404 404 404 404",
    "GET /email/<token>": "400 400 400 400 400 400",  # a made-up link to confirm a new address
    "POST /email/<token>": "400 400 400 400 400 400",
    # a member's own pages: the session decides whose record it is, never a path id
    "GET /me": "login ok ok ok ok ok",
    "GET /me/profile": "login ok ok 404 404 404",
    "POST /me/profile": "login 422 422 404 404 404",
    "GET /me/<kind>/new": "login ok ok 404 404 404",
    "POST /me/<kind>/new": "login 422 422 404 404 404",
    "GET /me/<kind>/<int:record_id>/edit": "login ok 404 404 404 404",
    "POST /me/<kind>/<int:record_id>/edit": "login 422 404 404 404 404",
    "POST /me/<kind>/<int:record_id>/delete": "login ok 404 404 404 404",
    "GET /me/password": "login ok ok ok ok ok",
    "POST /me/password": "login 422 422 422 422 422",
    "GET /me/export.json": "login ok ok ok ok ok",
    "GET /me/delete": "login ok ok ok ok ok",
    "POST /me/delete": "login 422 422 422 422 422",  # without the password nothing is deleted
    "GET /me/events": "login ok ok ok ok ok",
    "POST /me/invitations": "login 400 400 404 404 404",  # an empty form: neither on nor off
    "POST /me/privacy": "login ok ok 404 404 404",  # accepts the current notice; staff have no record
    "GET /me/calendar": "login ok ok 404 404 404",  # accounts without a member record have no feed
    "POST /me/calendar/reset": "login ok ok 400 400 400",
    "POST /me/calendar/reminder": "login ok ok 400 400 400",
    # API tokens: one's own list; revoking one is for its owner and staff (anyone else: 404)
    # ORCID (issue 21): hidden (404 for everyone) without ORCID settings, as here; with them, one's
    # own link only — tests/web/test_orcid_pages.py::test_who_may_use_the_orcid_pages
    "GET /me/orcid/link": "404 404 404 404 404 404",
    "GET /me/orcid/callback": "404 404 404 404 404 404",
    "GET /me/orcid/import": "404 404 404 404 404 404",
    "POST /me/orcid/import": "404 404 404 404 404 404",
    "POST /me/orcid/unlink": "404 404 404 404 404 404",
    "GET /me/tokens": "login ok ok ok ok ok",
    "POST /me/logout-everywhere": "login ok ok ok ok ok",
    "POST /tokens/<int:token_id>/revoke": "login ok 404 404 404 ok",
    # members and the directory
    # anonymous visitors see public profiles only (test_directory_hides_members_only_profiles)
    "GET /directory": "ok ok ok ok ok ok",
    "GET /members/<int:member_id>": "404 ok ok ok ok ok",
    "POST /members/<int:member_id>/claim-link": "login 403 403 403 403 ok",
    # RSVP (for oneself only: the session's member)
    # organizers and staff without a member record are told so (a redirect with a message; nothing written)
    "POST /events/<int:event_id>/rsvp": "login ok ok ok ok ok",
    "POST /events/<int:event_id>/withdraw": "login ok 404 400 400 400",
    # a seat offered from the waitlist: the member's own (no offer here: told so, or asked first)
    "POST /events/<int:event_id>/take-offer": "login ok 404 400 400 400",
    "POST /events/<int:event_id>/decline-offer": "login ok 404 400 400 400",
    # organizers: their chapter's events only
    "GET /manage/events": "login 403 403 ok ok ok",
    "GET /manage/events/new": "login 403 403 ok ok ok",
    "POST /manage/events/new": "login 403 403 422 422 422",
    "GET /manage/events/<int:event_id>": "login 403 403 ok 403 ok",
    "GET /manage/events/<int:event_id>/edit": "login 403 403 ok 403 ok",
    "POST /manage/events/<int:event_id>/edit": "login 403 403 422 403 422",
    "GET /manage/events/<int:event_id>/cancel": "login 403 403 ok 403 ok",  # the page that asks first
    "POST /manage/events/<int:event_id>/<any(publish, cancel):action>": "login 403 403 ok 403 ok",
    # documents (issue 22): the world's registration is a reunion's, not checked in; document: a
    # certificate of `member`'s participation (revoke asks first: the confirmation page)
    "GET /registrations/<int:registration_id>/certificate.pdf": "login 409 404 409 404 409",
    "GET /participations/<int:participation_id>/certificate.pdf": "login ok 404 404 404 ok",
    "POST /registrations/<int:registration_id>/invitation-letter": "login 404 404 404 404 404",
    "GET /registrations/<int:registration_id>/invitation-letter.pdf": "login 409 404 404 404 409",
    "GET /manage/events/<int:event_id>/badges.pdf": "login 403 403 ok 403 ok",
    "GET /manage/letters": "login 403 403 403 403 ok",
    "POST /manage/documents/<int:document_id>/<any(issue, revoke):action>": "login 404 404 404 404 ok",
    "GET /manage/events/<int:event_id>/registrations.csv": "login 403 403 ok 403 ok",
    "GET /manage/events/<int:event_id>/sides.csv": "login 403 403 ok 403 ok",
    "GET /manage/events/<int:event_id>/check-in": "login 403 403 ok 403 ok",
    "GET /manage/events/<int:event_id>/audit": "login 403 403 ok 403 ok",
    "POST /manage/registrations/<int:registration_id>/check-in": "login 403 403 ok 403 ok",
    "GET /manage/check-in/<token>": "login 403 403 ok 403 ok",
    "POST /manage/check-in/<token>": "login 403 403 ok 403 ok",
    "GET /manage/events/<int:event_id>/scan": "login 403 403 ok 403 ok",  # the camera page
    "GET /manage/events/<int:event_id>/questions": "login 403 403 ok 403 ok",
    "POST /manage/events/<int:event_id>/questions": "login 403 403 400 403 400",  # no action named
    "GET /manage/events/<int:event_id>/feedback/questions": "login 403 403 ok 403 ok",
    "POST /manage/events/<int:event_id>/feedback/questions": "login 403 403 400 403 400",  # no action named
    "GET /manage/events/<int:event_id>/feedback": "login 403 403 ok 403 ok",
    "POST /manage/events/<int:event_id>/feedback": "login 403 403 400 403 400",  # no action named
    "GET /manage/events/<int:event_id>/feedback.csv": "login 403 403 ok 403 ok",
    # feedback: only those checked in (nobody is, in this world; the feedback tests check them in)
    "GET /events/<int:event_id>/feedback": "login 403 403 403 403 403",
    "POST /events/<int:event_id>/feedback": "login 403 403 403 403 403",
    "GET /events/<int:event_id>/feedback/thanks": "login 403 403 403 403 403",
    # adding a missing institution from a picker: organizers and staff (an empty form: 422)
    "GET /manage/institutions/new": "login 403 403 ok ok ok",
    "POST /manage/institutions/new": "login 403 403 422 422 422",
    # chapters' names in other languages: staff, and each chapter's own organizers
    "GET /manage/chapters": "login 403 403 ok ok ok",
    "GET /manage/chapters/<code>/names": "login 403 403 ok 403 ok",
    "POST /manage/chapters/<code>/names": "login 403 403 ok 403 ok",
    # invitations and mailings: the event's organizers and staff; held addresses: staff
    "GET /manage/events/<int:event_id>/invite": "login 403 403 ok 403 ok",
    "POST /manage/events/<int:event_id>/invite": "login 403 403 ok 403 ok",
    "GET /manage/events/<int:event_id>/invite/audience.json": "login 403 403 ok 403 ok",
    "GET /manage/events/<int:event_id>/mail": "login 403 403 ok 403 ok",
    "POST /manage/events/<int:event_id>/mail/retry": "login 403 403 400 403 400",  # no mailing named
    "GET /manage/mail/holds": "login 403 403 403 403 ok",
    "POST /manage/mail/holds/release": "login 403 403 403 403 ok",
    "POST /api/v1/events/<int:event_id>/invitations": "401 403 403 ok 403 ok",
    # one-click unsubscribe: the signed token in the mail is the capability (a made-up one: 404)
    "GET /mail/unsubscribe/<token>": "404 404 404 404 404 404",
    "POST /mail/unsubscribe/<token>": "404 404 404 404 404 404",
    "POST /mail/subscribe/<token>": "404 404 404 404 404 404",
    # update rounds (issue 21): staff, and organizers for their own chapter (the world's round asks
    # chapter IN); a member's link is the capability (a made-up one: 400, the refusal page)
    "GET /manage/rounds": "login 403 403 ok ok ok",
    "GET /manage/rounds/new": "login 403 403 ok ok ok",
    "POST /manage/rounds/new": "login 403 403 ok ok ok",  # an empty form: the audience counted, nothing sent
    "GET /manage/rounds/<int:round_id>": "login 403 403 ok 403 ok",
    "GET /manage/rounds/<int:round_id>.csv": "login 403 403 ok 403 ok",
    "GET /update/<token>": "400 400 400 400 400 400",
    "POST /update/<token>": "400 400 400 400 400 400",
    "POST /api/v1/update-rounds": "401 403 403 ok ok ok",
    "GET /api/v1/update-rounds/<int:round_id>": "401 403 403 ok 403 ok",
    # headquarters
    "GET /staff/": "login 403 403 403 403 ok",
    "GET /staff/returnees": "login 403 403 403 403 ok",
    "GET /staff/returnees.csv": "login 403 403 403 403 ok",
    "GET /staff/overview.csv": "login 403 403 403 403 ok",
    "GET /staff/work-map.svg": "login 403 403 403 403 ok",
    "GET /staff/import": "login 403 403 403 403 ok",
    "POST /staff/import": "login 403 403 403 403 422",  # no file sent
    "GET /staff/imports/<int:job_id>": "login 403 403 403 403 404",  # the world has no import job
    "GET /staff/import/template.csv": "login 403 403 403 403 ok",
    "GET /staff/import/template.xlsx": "login 403 403 403 403 ok",
    "GET /staff/import/columns": "login 403 403 403 403 ok",
    "GET /staff/access-log": "login 403 403 403 403 ok",
    "GET /staff/tokens": "login 403 403 403 403 ok",
    # API: catalogue and public lists
    "GET /api/v1/openapi.json": "ok ok ok ok ok ok",
    "GET /api/v1/programmes": "ok ok ok ok ok ok",
    "GET /api/v1/chapters": "ok ok ok ok ok ok",
    "GET /api/v1/institutions": "ok ok ok ok ok ok",
    "POST /api/v1/institutions": "401 403 403 ok ok ok",
    "PATCH /api/v1/institutions/<int:institution_id>": "401 403 403 ok ok ok",
    # API: members — only themselves and staff
    "GET /api/v1/members": "401 ok ok ok ok ok",
    "POST /api/v1/members": "401 403 403 403 403 ok",
    "GET /api/v1/members/<int:member_id>": "401 ok ok ok ok ok",
    "GET /api/v1/members/duplicates": "401 403 403 403 403 ok",
    "GET /staff/duplicates": "login 403 403 403 403 ok",
    "GET /staff/duplicates/merge/<int:kept_id>/<int:duplicate_id>": "login 403 403 403 403 ok",
    "POST /staff/duplicates/merge/<int:kept_id>/<int:duplicate_id>": "login 403 403 403 403 ok",
    "POST /staff/merges/<int:merge_id>/undo": "login 403 403 403 403 ok",
    "POST /api/v1/members/<int:member_id>/merge": "401 403 403 403 403 ok",
    "POST /api/v1/merges/<int:merge_id>/undo": "401 403 403 403 403 ok",
    "PATCH /api/v1/members/<int:member_id>": "401 ok 403 403 403 ok",
    "DELETE /api/v1/members/<int:member_id>": "401 ok 403 403 403 ok",
    "POST /api/v1/members/<int:member_id>/calendar-token": "401 ok 403 403 403 ok",
    "GET /api/v1/members/<int:member_id>/participations": "401 ok 403 403 403 ok",
    "POST /api/v1/members/<int:member_id>/participations": "401 ok 403 403 403 ok",
    "GET /api/v1/members/<int:member_id>/participations/<int:record_id>": "401 ok 403 403 403 ok",
    "PATCH /api/v1/members/<int:member_id>/participations/<int:record_id>": "401 ok 403 403 403 ok",
    "DELETE /api/v1/members/<int:member_id>/participations/<int:record_id>": "401 ok 403 403 403 ok",
    "GET /api/v1/members/<int:member_id>/careers": "401 ok 403 403 403 ok",
    "POST /api/v1/members/<int:member_id>/careers": "401 ok 403 403 403 ok",
    "GET /api/v1/members/<int:member_id>/careers/<int:record_id>": "401 ok 403 403 403 ok",
    "PATCH /api/v1/members/<int:member_id>/careers/<int:record_id>": "401 ok 403 403 403 ok",
    "DELETE /api/v1/members/<int:member_id>/careers/<int:record_id>": "401 ok 403 403 403 ok",
    "GET /api/v1/members/<int:member_id>/returns": "401 ok 403 403 403 ok",
    "POST /api/v1/members/<int:member_id>/returns": "401 ok 403 403 403 ok",
    "GET /api/v1/members/<int:member_id>/returns/<int:record_id>": "401 ok 403 403 403 ok",
    "PATCH /api/v1/members/<int:member_id>/returns/<int:record_id>": "401 ok 403 403 403 ok",
    "DELETE /api/v1/members/<int:member_id>/returns/<int:record_id>": "401 ok 403 403 403 ok",
    # API: events — organizers of the event's chapter and staff manage
    "GET /api/v1/events": "ok ok ok ok ok ok",
    "POST /api/v1/events": "401 403 403 ok 403 ok",
    "GET /api/v1/events/<int:event_id>": "ok ok ok ok ok ok",
    "PATCH /api/v1/events/<int:event_id>": "401 403 403 ok 403 ok",
    "POST /api/v1/events/<int:event_id>/publish": "401 403 403 ok 403 ok",
    "POST /api/v1/events/<int:event_id>/cancel": "401 403 403 ok 403 ok",
    # members get a list holding only their own registration (checked in test_registration_list_is_own_only)
    "GET /api/v1/events/<int:event_id>/registrations": "401 ok ok ok 403 ok",
    # answering for `member` (the body names them): only themselves, the chapter's organizers, staff
    # (others: the 404 of reading a member that does not exist; see ACT_FOR below)
    "POST /api/v1/events/<int:event_id>/registrations": "401 ok 404 ok 404 ok",
    "GET /api/v1/events/<int:event_id>/summary": "401 403 403 ok 403 ok",
    "GET /api/v1/events/<int:event_id>/feedback": "401 403 403 ok 403 ok",
    # someone else's registration is not there for them (404, not 403: no probing of ids)
    "PATCH /api/v1/registrations/<int:registration_id>": "401 ok 404 ok 404 ok",
    "POST /api/v1/registrations/<int:registration_id>/check-in": "401 403 404 ok 404 ok",
    # taking an offered seat: the member (and whoever may answer for them); no offer open here: 409
    "POST /api/v1/registrations/<int:registration_id>/take-offer": "401 409 404 409 404 409",
    "GET /api/v1/audit": "401 403 403 ok 403 ok",
    # documents (issue 22): the world's registration is not checked in (409) and is a reunion's (no letter)
    "GET /api/v1/registrations/<int:registration_id>/certificate.pdf": "401 409 404 409 404 409",
    "GET /api/v1/participations/<int:participation_id>/certificate.pdf": "401 ok 404 404 404 ok",
    "POST /api/v1/registrations/<int:registration_id>/invitation-letter": "401 409 404 403 404 403",
    "GET /api/v1/registrations/<int:registration_id>/invitation-letter.pdf": "401 409 404 404 404 409",
    "POST /api/v1/documents/<int:document_id>/issue": "401 404 404 404 404 409",
    "POST /api/v1/documents/<int:document_id>/revoke": "401 404 404 404 404 ok",
    "GET /api/v1/events/<int:event_id>/badges.pdf": "401 403 403 ok 403 ok",
    "GET /api/v1/reports/returnees": "401 403 403 403 403 ok",
    "GET /api/v1/reports/dispatches": "401 403 403 403 403 ok",
}


# ------------------------------------------------------------------------------------------ world
@dataclass
class World:
    users: dict
    tokens: dict
    member: object
    event: object
    registration: object
    records: dict
    calendar_token: str
    #: A certificate of `member`'s participation, issued to them (issue 22's issue/revoke routes).
    document_id: int = 0


def build_world() -> World:
    make_chapter("IN", "India chapter", ("IN",))
    make_chapter("LK", "Sri Lanka chapter", ("LK",))
    member = make_member(visibility="members")
    users = {
        "member": make_user("member", member=member, password=PASSWORD),
        "other": make_user("member", member=make_member(), password=PASSWORD),
        "org": make_user("organizer", chapter="IN", password=PASSWORD),
        "org2": make_user("organizer", chapter="LK", password=PASSWORD),
        "staff": make_user("staff", password=PASSWORD),
    }
    records = {"participations": make_participation(member), "careers": make_career(member),
               "returns": make_return(member)}
    event = make_event("IN", capacity=5)
    from alumni.services import calendars, documents, registrations

    outcome = registrations.respond(event, member, "yes", actor=users["member"])
    registration = getattr(outcome, "registration", outcome)
    calendar_token = calendars.ensure_calendar_token(member)
    document = documents.participation_certificate(records["participations"], actor=users["member"])
    _db.session.commit()
    tokens = {name: make_token(user) for name, user in users.items()}
    return World(users, tokens, member, event, registration, records, calendar_token, document.id)


# ------------------------------------------------------------------------------------- requests
def _id(record) -> int:
    """The record's id as it was loaded, without reading the row again (a request may have
    deleted it meanwhile: the paths still name it)."""
    return sa.inspect(record).identity[0]


def path_for(rule: str, world: World) -> str:
    """The rule with its variables filled by `member`'s things (what an intruder would try)."""
    values = {
        "member_id": _id(world.member), "event_id": _id(world.event), "registration_id": _id(world.registration),
        "kept_id": world.member.id, "duplicate_id": world.users["other"].member_id,
        "kind": "careers", "record_id": _id(world.records["careers"]), "action": "cancel",
        "filename": "style.css", "job_id": 1, "code": "IN",
    }
    if "<int:participation_id>" in rule:
        values["participation_id"] = _id(world.records["participations"])
    values["document_id"] = world.document_id
    if "/participations/" in rule:
        values["record_id"] = _id(world.records["participations"])
    elif "/returns/" in rule:
        values["record_id"] = _id(world.records["returns"])
    if "<int:token_id>" in rule:  # the API token of `member`
        from alumni.models import ApiToken
        from alumni.services.tokens import token_hash

        values["token_id"] = _db.session.scalar(
            sa.select(ApiToken.id).where(ApiToken.token_hash == token_hash(world.tokens["member"])))
    if "<int:institution_id>" in rule:
        # One host for every call (path_for runs again and again in test_crafted_input).
        host = find_institution("Matrix host", "JP") or make_institution(name="Matrix host", country="JP")
        values["institution_id"] = host.id
    if "<int:round_id>" in rule:  # a round staff started for chapter IN (one per world)
        values["round_id"] = _world_round(world)
    if "<token>" in rule:
        values["token"] = (world.calendar_token if rule.startswith("/calendar/")
                           else world.registration.ticket_token if rule.startswith(("/tickets/", "/manage/check-in/"))
                           else "not-a-real-token-" + "x" * 20)

    if "<int:merge_id>" in rule:  # a merge of two members of their own, to undo
        from alumni.services.merges import merge_members

        values["merge_id"] = merge_members(make_member(), make_member(), actor=None).id
        _db.session.commit()
    if "any(issue, revoke)" in rule:
        values["action"] = "revoke"

    def fill(match):
        name = match.group(1).split(":")[-1]
        return str(values[name])

    query = {"/api/v1/audit": f"?event={world.event.id}"}.get(rule, "")  # the IN event: org's, not org2's
    return re.sub(r"<([^>]+)>", fill, rule).replace("(publish, cancel)", "").replace("(issue, revoke)", "") + query


def _world_round(world: World) -> int:
    from alumni.models import UpdateRound
    from alumni.services import invitations, rounds

    existing = _db.session.scalar(sa.select(UpdateRound.id).order_by(UpdateRound.id).limit(1))
    if existing is not None:
        return existing
    update_round, _queued, _skipped = rounds.start_round(invitations.clean_audience({"chapter": "IN"}),
                                                         actor=world.users["staff"])
    _db.session.commit()
    return update_round.id


def body_for(method: str, rule: str, world: World) -> dict | None:
    """A valid body for the API's writes, so that the outcome is about who asks, not what."""
    if method not in ("POST", "PATCH"):
        return None
    if not rule.startswith("/api/"):
        return {"/events/<int:event_id>/rsvp": {"response": "yes"}}.get(rule)
    start = world.event.starts_at
    bodies = {
        "/api/v1/institutions": {"name": "Matrix Institute", "country": "JP", "kind": "university"},
        "/api/v1/institutions/<int:institution_id>": {"names": {"ja": "マトリックス研究所"}},
        "/api/v1/members": {"email": "new.one@example.org", "given_name": "New", "family_name": "One",
                            "country": "IN", "preferred_language": "en"},
        "/api/v1/members/<int:member_id>": {"given_name": "Changed"},
        "/api/v1/members/<int:member_id>/merge": {"duplicate_id": world.users["other"].member_id},
        "/api/v1/members/<int:member_id>/participations": {"programme": "SSP-A", "start_date": "2020-07-01",
                                                           "end_date": "2020-07-07"},
        "/api/v1/members/<int:member_id>/careers": {"organisation": "Osaka University", "country": "JP",
                                                    "role": "researcher", "start_date": "2023-04-01"},
        "/api/v1/members/<int:member_id>/returns": {"purpose": "research", "start_date": "2023-04-01"},
        "/api/v1/members/<int:member_id>/participations/<int:record_id>": {"end_date": "2019-07-08"},
        "/api/v1/members/<int:member_id>/careers/<int:record_id>": {"title": "Dr"},
        "/api/v1/members/<int:member_id>/returns/<int:record_id>": {"purpose": "study"},
        "/api/v1/events": {"kind": "reunion", "title": "Matrix reunion", "language": "en", "chapter": "IN",
                           "venue": "Delhi", "starts_at": start.strftime("%Y-%m-%dT18:00:00"),
                           "ends_at": start.strftime("%Y-%m-%dT20:00:00"), "timezone": "Asia/Kolkata"},
        "/api/v1/events/<int:event_id>": {"title": "Renamed"},
        "/api/v1/events/<int:event_id>/registrations": {"member_id": world.member.id, "response": "maybe"},
        "/api/v1/registrations/<int:registration_id>": {"response": "maybe"},
    }
    return bodies.get(rule, {})


def call(app, world: World, caller: str, method: str, rule: str):
    client = app.test_client()
    path = path_for(rule, world)
    headers = {}
    if rule.startswith("/api/"):
        if caller != "anon":
            headers["Authorization"] = f"Bearer {world.tokens[caller]}"
    elif caller != "anon":
        r = client.post("/login", data={"email": world.users[caller].email, "password": PASSWORD})
        assert r.status_code == 302, f"{caller} could not log in"
    body = body_for(method, rule, world)
    kwargs = {"json": body} if rule.startswith("/api/") and body is not None else {"data": body or {}}
    return client.open(path, method=method, headers=headers, **kwargs)


def outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return "login" if "/login" in response.headers.get("Location", "").split("?")[0] else "ok"
    if 200 <= response.status_code < 300:
        return "ok"
    return str(response.status_code)


def all_routes(app) -> list[str]:
    return sorted(f"{method} {rule.rule}" for rule in app.url_map.iter_rules()
                  for method in rule.methods - IGNORED_METHODS)


# ------------------------------------------------------------------------------------------ tests
def test_every_route_has_a_row(app):
    missing = [route for route in all_routes(app) if route not in MATRIX]
    assert not missing, "routes without a row in the access matrix (decide who may call them):\n" + "\n".join(missing)
    stale = [route for route in MATRIX if route not in all_routes(app)]
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_a_new_route_without_a_row_is_caught():
    from alumni import create_app

    fresh = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    fresh.add_url_rule("/members/<int:member_id>/secrets", "secrets", lambda member_id: "", methods=["GET", "POST"])
    missing = [route for route in all_routes(fresh) if route not in MATRIX]
    assert missing == ["GET /members/<int:member_id>/secrets", "POST /members/<int:member_id>/secrets"]


def test_rows_are_well_formed():
    for route, row in MATRIX.items():
        cells = row.split()
        assert len(cells) == len(CALLERS), route
        assert all(c in ("ok", "login") or c.isdigit() for c in cells), route


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_access(app, route):
    from alumni.extensions import limiter

    method, rule = route.split(" ", 1)
    expected = dict(zip(CALLERS, MATRIX[route].split(), strict=False))
    world = build_world()
    observed = {}
    for caller in CALLERS:
        if method != "GET" and caller != CALLERS[0]:
            empty_tables()  # a state-changing cell gets a world of its own
            world = build_world()
        limiter.reset()
        response = call(app, world, caller, method, rule)
        observed[caller] = outcome(response)
        response.close()
    assert observed == expected, f"{route}: expected {expected}, got {observed}"


# ------------------------------------------------------------------ IDOR: what a refusal hides
def _session(app, world: World, caller: str):
    client = app.test_client()
    if caller != "anon":
        login(client, world.users[caller])
    return client


def _bearer(world: World, caller: str) -> dict:
    return {"Authorization": f"Bearer {world.tokens[caller]}"}


def test_registration_list_is_own_only(app):
    world = build_world()
    r = app.test_client().get(f"/api/v1/events/{world.event.id}/registrations", headers=_bearer(world, "other"))
    assert r.status_code == 200 and r.json == {"items": [], "total": 0}
    r = app.test_client().get(f"/api/v1/events/{world.event.id}/registrations", headers=_bearer(world, "member"))
    assert [item["id"] for item in r.json["items"]] == [world.registration.id]


def test_another_members_record_shows_no_private_fields(app):
    world = build_world()
    r = app.test_client().get(f"/api/v1/members/{world.member.id}", headers=_bearer(world, "other"))
    assert r.status_code == 200
    assert "email" not in r.json and "calendar_url" not in r.json
    own = app.test_client().get(f"/api/v1/members/{world.member.id}", headers=_bearer(world, "member")).json
    assert own["email"] == world.member.email and world.calendar_token in own["calendar_url"]


def test_records_cannot_be_reached_under_someone_elses_member_id(app):
    """The intruder's own member id in the path, the victim's record id after it."""
    world = build_world()
    other_id = world.users["other"].member_id
    client = app.test_client()
    for kind, record in world.records.items():
        path = f"/api/v1/members/{other_id}/{kind}/{record.id}"
        assert client.get(path, headers=_bearer(world, "other")).status_code == 404
        assert client.patch(path, json={}, headers=_bearer(world, "other")).status_code == 404
        assert client.delete(path, headers=_bearer(world, "other")).status_code == 404
    _db.session.expire_all()
    assert all(_db.session.get(type(record), record.id) is not None for record in world.records.values())


def test_rsvp_for_someone_else_is_refused_and_writes_nothing(app):
    """Refused with the 404 of a member that does not exist (see ACT_FOR)."""
    from alumni.models import Registration

    world = build_world()
    before = _db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    r = app.test_client().post(f"/api/v1/events/{world.event.id}/registrations", headers=_bearer(world, "other"),
                               json={"member_id": world.member.id, "response": "no"})
    assert r.status_code == 404
    _db.session.expire_all()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == before
    assert _db.session.get(Registration, world.registration.id).response.value == "yes"


def test_directory_hides_members_only_profiles(app):
    world = build_world()
    anonymous = app.test_client().get("/directory").get_data(as_text=True)
    assert world.member.family_name not in anonymous
    logged_in = _session(app, world, "other").get("/directory").get_data(as_text=True)
    assert world.member.family_name in logged_in


def test_made_up_and_reset_tokens_open_nothing(app):
    world = build_world()
    client = app.test_client()
    assert client.get(f"/calendar/member/{world.calendar_token}.ics").status_code == 200
    assert client.get("/calendar/member/" + "A" * 43 + ".ics").status_code == 404
    assert client.get("/tickets/" + "A" * 43).status_code == 404
    org = _session(app, world, "org")
    assert org.get("/manage/check-in/" + "A" * 43).status_code == 404
    # A reset feed address stops working at once.
    r = client.post(f"/api/v1/members/{world.member.id}/calendar-token", headers=_bearer(world, "member"))
    assert r.status_code in (200, 201)
    assert client.get(f"/calendar/member/{world.calendar_token}.ics").status_code == 404


def test_draft_events_are_invisible_outside_their_chapter(app):
    world = build_world()
    draft = make_event("IN", publish=False, title="Secret planning")
    for caller, expected in {"anon": 404, "member": 404, "org2": 404, "org": 200, "staff": 200}.items():
        assert _session(app, world, caller).get(f"/events/{draft.id}").status_code == expected, caller
        if caller != "anon":
            r = app.test_client().get(f"/api/v1/events/{draft.id}", headers=_bearer(world, caller))
            assert r.status_code == expected, caller


# --------------------------------------------------- act on behalf of: who may answer for whom
# POST /api/v1/events/{IN event}/registrations {"member_id": target, "response": "no"}: a
# registration puts the member's name, email and country into the event's CSV, so acting for
# someone is allowed only where reading them in full is: the member themselves, staff, and an
# organizer for members they may see in their chapter's countries. Anything else is the same 404
# as reading a member who does not exist. Callers: member, other, org (IN), org2 (LK), staff.
ACT_FOR = {
    "themselves (IN, alumni only)": "ok 404 ok 404 ok",
    "public member of IN": "404 404 ok 404 ok",
    "hidden member of IN": "404 404 404 404 ok",
    "alumni-only member of LK": "404 404 404 403 ok",  # org2 may act for them, but not at an IN event
    "public member of LK": "404 404 404 403 ok",
    "no such member": "404 404 404 404 404",
}


def _act_for_target(world: World, target: str) -> int:
    if target.startswith("themselves"):
        return world.member.id
    if target == "no such member":
        return world.member.id + 10_000
    country = "IN" if target.endswith("of IN") else "LK"
    visibility = target.split()[0].replace("alumni-only", "members")
    return make_member(country=country, visibility=visibility).id


@pytest.mark.parametrize("target", sorted(ACT_FOR))
def test_act_on_behalf_of(app, target):
    from alumni.models import Registration

    expected = dict(zip(CALLERS[1:], ACT_FOR[target].split(), strict=True))
    observed = {}
    for caller in CALLERS[1:]:
        empty_tables()
        world = build_world()
        member_id = _act_for_target(world, target)
        before = _db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
        r = app.test_client().post(f"/api/v1/events/{world.event.id}/registrations", headers=_bearer(world, caller),
                                   json={"member_id": member_id, "response": "no"})
        observed[caller] = outcome(r)
        if r.status_code == 404:  # the very answer a read of a member that does not exist gets
            assert r.json["error"]["message"] == f"There is no member {member_id}.", caller
        if r.status_code >= 400:
            _db.session.expire_all()
            assert _db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == before, caller
    assert observed == expected, f"{target}: expected {expected}, got {observed}"


def test_registrations_csv_lists_nobody_an_organizer_could_not_read(app):
    """The red team's harvest: answering "no" for hidden and other chapters' members, then
    downloading the event's CSV."""
    world = build_world()
    hidden = make_member(country="IN", visibility="hidden")
    elsewhere = make_member(country="LK", visibility="members")
    for victim in (hidden, elsewhere):
        r = app.test_client().post(f"/api/v1/events/{world.event.id}/registrations", headers=_bearer(world, "org"),
                                   json={"member_id": victim.id, "response": "no"})
        assert r.status_code == 404
    csv = _session(app, world, "org").get(f"/manage/events/{world.event.id}/registrations.csv").get_data(as_text=True)
    assert hidden.email not in csv and elsewhere.email not in csv
    assert world.member.email in csv  # who registered themselves is listed


# ------------------------------------------------------- the online link: only for seat holders
SECRET_LINK = "https://meet.example.org/secret-room-7Qx93"
#: Capability URLs of `member` (their ticket, their private feed): whoever holds them is the seat
#: holder; they are tried with `other`'s tokens instead (a maybe: no seat).
OWN_CAPABILITIES = ("GET /tickets/<token>", "GET /calendar/member/<token>.ics")


def _online_world(monkeypatch, app) -> tuple[World, str, str]:
    """The matrix world with a hybrid event: `member` holds a seat, `other` said maybe.
    Answers `other`'s ticket token and calendar token."""
    from alumni.services import calendars, registrations

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 300)  # the anonymous page cache on
    world = build_world()
    world.event.online_url = SECRET_LINK
    other = world.users["other"].member
    maybe = registrations.respond(world.event, other, "maybe", actor=world.users["other"]).registration
    other_feed = calendars.ensure_calendar_token(other)
    _db.session.commit()
    return world, maybe.ticket_token, other_feed


def _answer(app, world: World, caller: str, route: str) -> str:
    """The text of the answer: a PDF (a certificate, badges) read by pdftotext, anything else as
    UTF-8 (an image's bytes cannot spell the link anyway)."""
    method, rule = route.split(" ", 1)
    response = call(app, world, caller, method, rule)
    try:
        data = response.get_data()
    finally:
        response.close()
    if response.mimetype == "application/pdf":
        return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                              check=True).stdout.decode()
    return data.decode("utf-8", errors="replace")


def test_online_link_reaches_no_one_without_a_seat(app, monkeypatch):
    """Every GET route, called by the seat holder first (so that any cache is warm with their
    answer), then by an anonymous visitor and by a member who said maybe: the link is in none of
    the latter answers — pages, feeds, API."""
    from alumni.extensions import limiter
    from alumni.web import pagecache

    world, other_ticket, other_feed = _online_world(monkeypatch, app)
    pagecache.clear()
    seen_by_member = set()
    for route in sorted(r for r in MATRIX if r.startswith("GET ")):
        limiter.reset()
        if SECRET_LINK in _answer(app, world, "member", route):
            seen_by_member.add(route)
        for caller in ("anon", "other"):
            if route in OWN_CAPABILITIES:  # `member`'s own ticket and feed, whoever opens them
                continue
            limiter.reset()
            assert SECRET_LINK not in _answer(app, world, caller, route), f"{route} shows the link to {caller}"
    client = app.test_client()
    for path in (f"/tickets/{other_ticket}", f"/calendar/member/{other_feed}.ics"):
        assert SECRET_LINK not in client.get(path).get_data(as_text=True), path
    # ... and the seat holder does get it where it is theirs.
    assert {"GET /events/<int:event_id>", "GET /events/<int:event_id>.ics", "GET /tickets/<token>",
            "GET /calendar/member/<token>.ics", "GET /api/v1/events/<int:event_id>",
            "GET /api/v1/events"} <= seen_by_member


def test_online_link_in_the_api_for_organizers_and_staff_only(app, monkeypatch):
    world, _ticket, _feed = _online_world(monkeypatch, app)
    for caller, shown in (("member", True), ("other", False), ("org", True), ("org2", False), ("staff", True)):
        one = app.test_client().get(f"/api/v1/events/{world.event.id}", headers=_bearer(world, caller)).json
        listed = app.test_client().get("/api/v1/events", headers=_bearer(world, caller)).json["items"]
        assert (one.get("online_url") == SECRET_LINK) is shown, caller
        assert (listed[0].get("online_url") == SECRET_LINK) is shown, caller
    anonymous = app.test_client().get(f"/api/v1/events/{world.event.id}").json
    assert "online_url" not in anonymous


def test_a_seat_given_up_takes_the_link_away(app, monkeypatch):
    from alumni.services import registrations

    world, _ticket, _feed = _online_world(monkeypatch, app)
    client = _session(app, world, "member")
    assert SECRET_LINK in client.get(f"/events/{world.event.id}").get_data(as_text=True)
    registrations.withdraw(world.registration, actor=world.users["member"])
    _db.session.commit()
    assert SECRET_LINK not in client.get(f"/events/{world.event.id}").get_data(as_text=True)
    assert SECRET_LINK not in client.get(f"/tickets/{world.registration.ticket_token}").get_data(as_text=True)
