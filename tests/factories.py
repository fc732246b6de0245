"""Test data with sensible defaults: make_member(), make_user(), …; override what matters."""
from __future__ import annotations

import itertools
from datetime import date

from alumni.extensions import db
from alumni.models import Role
from alumni.services import accounts, chapters, institutions, members

_seq = itertools.count(1)

PASSWORD = "a long enough passphrase"


def make_member(**values):
    n = next(_seq)
    defaults = {
        "email": f"member{n}@example.org", "given_name": "Priya", "family_name": f"Sharma{n}",
        "country": "IN", "preferred_language": "en", "timezone": "Asia/Kolkata", "visibility": "members",
    }
    member = members.create_member({**defaults, **values})
    db.session.commit()
    return member


def make_participation(member, **values):
    defaults = {"programme": "SSP-A", "start_date": date(2019, 7, 1), "end_date": date(2019, 7, 7)}
    participation = members.add_participation(member, {**defaults, **values})
    db.session.commit()
    return participation


def make_institution(**values):
    n = next(_seq)
    defaults = {"name": f"Institute {n}", "country": "JP", "kind": "university"}
    institution = institutions.create_institution({**defaults, **values})
    db.session.commit()
    return institution


def make_chapter(code="IN", name="India chapter", countries=("IN",)):
    chapter, _created = chapters.create_chapter(code, name, list(countries))
    db.session.commit()
    return chapter


def make_user(role: str = "member", *, email: str | None = None, chapter: str | None = None,
              member=None, password: str | None = None):
    """An account; for role=member, linked to `member` (or to a new member)."""
    if member is not None:
        email = member.email
    email = email or f"user{next(_seq)}@example.org"
    if role == Role.organizer and chapter is None:
        chapter = make_chapter().code
    if role == Role.member and member is None:
        member = make_member(email=email)
    user = accounts.create_user(email, role, chapter=chapter, password=password)
    db.session.commit()
    return user


def make_token(user) -> str:
    token = accounts.issue_token(user)
    db.session.commit()
    return token


class ApiClient:
    """Thin helper around the Flask test client for /api/v1 calls with a bearer token."""

    def __init__(self, client):
        self.client = client

    def _call(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return getattr(self.client, method)("/api/v1" + path, headers=headers, **kwargs)

    def get(self, path, token=None, **kw):
        return self._call("get", path, token, **kw)

    def post(self, path, token=None, **kw):
        return self._call("post", path, token, **kw)

    def patch(self, path, token=None, **kw):
        return self._call("patch", path, token, **kw)

    def delete(self, path, token=None, **kw):
        return self._call("delete", path, token, **kw)


def make_event(chapter: str = "IN", *, publish: bool = True, **values):
    """An event of `chapter` (created if missing), published unless publish=False; by default
    a reunion next year in New Delhi at 18:00 local time."""
    from datetime import datetime, timedelta

    from alumni.services import events

    if not _chapter_exists(chapter):
        make_chapter(chapter, f"{chapter} chapter", (chapter,) if len(chapter) == 2 else ())
    start = datetime.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=60)
    defaults = {
        "kind": "reunion", "title": f"Reunion {next(_seq)}", "description": "Meet again.", "language": "en",
        "starts_at": start.replace(hour=18), "ends_at": start.replace(hour=21), "timezone": "Asia/Kolkata",
        "venue": "India Habitat Centre, New Delhi", "country": "IN", "capacity": None, "chapter": chapter,
    }
    event = events.create_event({**defaults, **values})
    if publish:
        events.publish_event(event)
    db.session.commit()
    return event


def _chapter_exists(code: str) -> bool:
    from sqlalchemy import select

    from alumni.models import Chapter

    return db.session.scalar(select(Chapter.id).where(Chapter.code == code)) is not None


def make_account(email: str = "alumna@example.org", password: str = PASSWORD, **member_values):
    """A verified member account with its member record (what a finished sign-up leaves)."""
    member = make_member(email=email, **member_values)
    return make_user("member", member=member, password=password)


def logged_in(client, email: str = "me@example.org", **member_values):
    """A member account (make_account) logged in through the real login form on `client`."""
    user = make_account(email, **member_values)
    login(client, user)
    return user


def login(client, user, password: str = PASSWORD, **data) -> None:
    """Log `user` in through the real login form on `client`; the test fails here if it did not
    work (a wrong password, an unconfirmed address, a rate limit), not three requests later."""
    answer = client.post("/login", data={"email": user.email, "password": password, **data})
    assert answer.status_code == 302 and not answer.location.endswith("/login"), \
        f"login as {user.email} failed: {answer.status_code} {answer.get_data(as_text=True)[:300]}"


def make_career(member, **values):
    defaults = {"organisation": "Kyoto University", "country": "JP", "role": "researcher",
                "start_date": date(2022, 4, 1)}
    career = members.add_career(member, {**defaults, **values})
    db.session.commit()
    return career


def make_return(member, **values):
    defaults = {"purpose": "research", "start_date": date(2022, 4, 1)}
    visit = members.add_return(member, {**defaults, **values})
    db.session.commit()
    return visit


def deliver_mail():
    """One look at the outbox by the `mail deliver` worker (password-link requests resolved, due
    mail sent): requests only queue mail, so tests run this where the worker would."""
    from alumni.services.mail_worker import deliver_once

    return deliver_once("test-worker")
