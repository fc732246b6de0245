"""Fragments are rendered from an explicit context (web/fragments.py), and each cache has its own
named, bounded store (web/pagecache.py)."""
from __future__ import annotations

from flask import render_template_string
from flask_login import login_user
from jinja2 import ChoiceLoader, DictLoader

from alumni.web import pagecache
from alumni.web.fragments import fragment_environment, render_fragment
from tests.factories import make_account

PROBE = ("user={{ current_user is defined }} request={{ request is defined }} session={{ session is defined }} "
         "g={{ g is defined }} given={{ given }} {{ _('Places') }}")


def test_a_fragment_cannot_see_the_viewer(app, monkeypatch):
    """Logged in, a page sees current_user; a fragment rendered in the same request does not (nor
    request, session, g): only what its caller passed."""
    user = make_account("probe@example.org")
    with app.test_request_context("/events/1"):
        env = fragment_environment()
        monkeypatch.setattr(env, "loader", ChoiceLoader([DictLoader({"probe.html": PROBE}), env.loader]))
        login_user(user)
        assert render_template_string("{{ current_user.is_authenticated }}") == "True"  # the control
        assert str(render_fragment("probe.html", given="yes")) == (
            "user=False request=False session=False g=False given=yes Places")


def test_each_cache_has_its_own_bounded_store():
    assert {"pages", "feed-versions", "event-articles", "club-numbers", "directory-choices"} <= set(pagecache.STORES)
    assert all(store.max_entries > 0 for store in pagecache.STORES.values())
    small = pagecache.TimedStore("test-small", 2)
    try:
        pagecache.EVENT_ARTICLES.put(("kept",), "article", expires=1e12)
        for n in range(3):
            small.put((n,), n, expires=1e12)
        assert len(small) == 2 and small.get((0,), now=0) is None and small.get((2,), now=0) == 2
        for n in range(pagecache.PAGES.max_entries + 1):  # a flood of pages …
            pagecache.PAGES.put(("page", n), b"", expires=1e12)
        assert len(pagecache.PAGES) == pagecache.PAGES.max_entries
        assert pagecache.EVENT_ARTICLES.get(("kept",), now=0) == "article"  # … pushes out no fragment
        assert small.get((2,), now=2e12) is None  # expired
    finally:
        pagecache.STORES.pop("test-small")
        pagecache.clear()
