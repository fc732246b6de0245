"""The pages of the main journeys — a visitor's, a member's, an organizer's and staff's, in
English, Japanese and Arabic — are valid HTML for the Nu HTML checker (tests/htmlcheck.py): any
error fails. Pages are rendered through the test client (faster than the browser), with CSRF
protection on as in production, so the forms' hidden token fields are checked too."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Registration
from alumni.services import questions as qsvc
from alumni.services import registrations as rsvc
from alumni.services.mailmerge import unsubscribe_token
from tests.factories import (
    PASSWORD,
    login,
    make_career,
    make_event,
    make_institution,
    make_member,
    make_participation,
    make_return,
    make_user,
)
from tests.htmlcheck import vnu_errors


@pytest.fixture
def journeys(app):
    """The data the journeys walk through: a chapter's published event with a seat taken, a
    waitlist and a forum with sides; a member with records; an organizer; staff."""
    host = make_institution(name="University of Tokyo")
    member = make_member(email="priya@example.org", native_name="प्रिया शर्मा", preferred_language="en")
    make_participation(member, host_institution_id=host.id)
    career = make_career(member)
    make_return(member, start_date=date(2023, 4, 1))
    other = make_member(email="hanako@example.org", given_name="Hanako", native_name="佐藤 花子", visibility="members")
    event = make_event("IN", capacity=1, description="Dinner and talks.\n\nBring a friend.")
    forum = make_event("IN", kind="forum", title="India–Japan University Forum", side_quotas={"IN": 2, "JP": 2})
    rsvc.respond(event, member, "yes")
    rsvc.respond(event, other, "yes")  # waitlisted
    rsvc.respond(forum, other, "yes", side="JP", institution_id=host.id)
    # The forum asks registration questions of every kind (issue 22), one shown only after a yes.
    for kind in ("text", "long_text", "single_choice", "multiple_choice", "yes_no", "country", "date"):
        qsvc.add_question(forum, {"kind": kind, "label": f"Question {kind}", "options": ["One", "Two"],
                                  "show_if": {"question": "Question yes_no", "value": "yes"} if kind == "date" else None})
    db.session.commit()
    return {
        "member": make_user("member", member=member, password=PASSWORD),
        "organizer": make_user("organizer", chapter="IN", password=PASSWORD),
        "staff": make_user("staff", password=PASSWORD),
        "event": event, "forum": forum, "career": career, "other": other,
        "ticket": db.session.scalar(select(Registration.ticket_token).where(Registration.member_id == member.id,
                                                                           Registration.event_id == event.id)),
        "unsubscribe": unsubscribe_token(member.id),
    }


def test_the_pages_of_the_main_journeys_have_no_html_error(app, journeys, tmp_path, monkeypatch):
    event, forum = journeys["event"].id, journeys["forum"].id
    visitor = ["/", "/events", f"/events/{event}", f"/events/{forum}", "/signup", "/login", "/reset",
               "/verify/not-a-token", f"/mail/unsubscribe/{journeys['unsubscribe']}", "/no-such-page", "/privacy"]
    member = ["/", f"/events/{event}", f"/events/{forum}", "/me", "/me/profile", "/me/events", "/me/calendar",
              "/me/password", "/me/delete", "/me/participations/new", "/me/returns/new",
              f"/me/careers/{journeys['career'].id}/edit", "/directory", "/directory?q=hanako",
              f"/members/{journeys['other'].id}", f"/tickets/{journeys['ticket']}", "/me/tokens"]
    organizer = ["/", "/manage/events", "/manage/events/new", f"/manage/events/{event}", f"/manage/events/{forum}",
                 f"/manage/events/{event}/edit", f"/manage/events/{event}/check-in",
                 f"/manage/check-in/{journeys['ticket']}", f"/manage/events/{event}/invite",
                 f"/manage/events/{event}/mail", f"/manage/events/{event}/audit", f"/manage/events/{forum}/questions"]
    staff = ["/", "/staff/", "/staff/returnees", "/staff/import", "/staff/tokens", "/staff/access-log", "/manage/mail/holds",
             f"/manage/events/{forum}", f"/members/{journeys['other'].id}"]

    pages: dict[str, str] = {}
    for role, paths in (("visitor", visitor), ("member", member), ("organizer", organizer), ("staff", staff)):
        for lang in ("en", "ja", "ar"):
            client = app.test_client()
            if role != "visitor":
                login(client, journeys[role])
            # the hidden token fields as production renders them
            monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
            client.get(f"/language?lang={lang}")
            for path in paths if lang == "en" else paths[:4]:
                answer = client.get(path)
                assert answer.status_code in (200, 400, 404), (role, path, answer.status_code)
                assert answer.mimetype == "text/html", (role, path)
                pages[f"{role} {lang} {path}"] = answer.get_data(as_text=True)
            monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert len(pages) > 50
    errors = vnu_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


def test_no_template_has_an_inline_event_handler():
    """Our CSP (script-src 'self') would silently ignore one — a destructive form would then
    go without its question. Forms ask with data-confirm (static/app.js)."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    found = [f"{path.relative_to(templates)}: {match[0]}" for path in sorted(templates.rglob("*.html"))
             for match in re.finditer(r"\son[a-z]+\s*=", path.read_text(encoding="utf-8"))]
    assert not found, found
