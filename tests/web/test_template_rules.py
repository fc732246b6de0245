"""Templates ask named predicates (the `can_*` of alumni.permissions, Jinja globals) and flags the
services computed; they hold no role check of their own (issue 24)."""
import re
from pathlib import Path

import pytest

from alumni import permissions

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: A role looked at directly: `current_user.is_staff`, `user.role == …`, `role.value in (…)`, or a
#: chapter compared by hand (an organizer's scope is `can_manage_event`).
ROLE_CHECK = re.compile(r"\bis_staff\b|\bis_organizer\b|\brole(\.value)?\s*(==|!=|\bin\b|\bnot in\b)"
                        r"|\bchapter_id\s*(==|!=)|Role\.")


def test_the_role_check_pattern_catches_what_it_should():
    for line in ('{% if current_user.is_staff %}', '{% if user.role == "staff" %}',
                 '{% if current_user.role.value in ("staff", "organizer") %}',
                 '{% if current_user.chapter_id == event.chapter_id %}'):
        assert ROLE_CHECK.search(line), line
    for line in ('{{ ROLE_LABELS[t.user.role] }}', '<p role="status">', '{% if can_manage_event(current_user, event) %}'):
        assert not ROLE_CHECK.search(line), line


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_role_check(path):
    found = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
             if ROLE_CHECK.search(line)]
    assert not found, "ask a can_* predicate (alumni.permissions) instead:\n" + "\n".join(found)


def test_every_can_predicate_is_a_jinja_global(app):
    names = {name for name in vars(permissions) if name.startswith("can_") and callable(getattr(permissions, name))}
    assert names and names <= set(app.jinja_env.globals)


def test_a_predicate_in_a_template_treats_a_visitor_as_no_one(app):
    from flask_login import AnonymousUserMixin

    from tests.factories import make_event

    event = make_event(publish=False)
    with app.test_request_context():
        assert app.jinja_env.from_string(
            "{{ can_manage_event(user, event) }}|{{ can_view_event(user, event) }}"
        ).render(user=AnonymousUserMixin(), event=event) == "False|False"


def test_organizer_page_buttons_follow_the_services(client):
    """Edit, Publish, Cancel and Invite are offered as the services take them (event_actions,
    invitations.is_invitable), not by status checks in the template."""
    from alumni.extensions import db
    from alumni.services import events as esvc
    from tests.factories import make_event, make_user

    organizer = make_user("organizer", password="a long enough passphrase")
    assert client.post("/login", data={"email": organizer.email, "password": "a long enough passphrase"}
                       ).status_code == 302
    draft = make_event(publish=False)
    published = make_event()
    cancelled = make_event()
    esvc.cancel_event(cancelled)
    db.session.commit()

    def buttons(event):
        page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
        return {name for name, marker in (("edit", f"/manage/events/{event.id}/edit"),
                                          ("publish", f"/manage/events/{event.id}/publish"),
                                          ("cancel", f"/manage/events/{event.id}/cancel"),
                                          ("invite", "Invite</a>")) if marker in page}

    assert buttons(draft) == {"edit", "publish", "cancel"}
    assert buttons(published) == {"edit", "cancel", "invite"}
    assert buttons(cancelled) == set()
