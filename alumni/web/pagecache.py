"""A short-lived cache of public pages for anonymous visitors (per process).

The event list and event pages are what many anonymous visitors open at once when an invitation
goes out. For visitors who are not logged in and carry no flashed message, the rendered page is
kept for a few seconds per URL and language: "places left" may lag by that much for them, never
for members (logged-in requests always render fresh).

`remembered(store, key, compute)` keeps a small computed value (a feed's ETag, a fragment) for the
same few seconds, so that calendar programs polling a public feed get their 304 without a
database round trip. Each use has its own named, bounded store (below, `STORES`)."""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from threading import Lock
from typing import Any, TypeVar

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

T = TypeVar("T")

class TimedStore:
    """A named, bounded store of entries that expire (per process): least recently used first
    out when full. Each use has its own store, so that one cannot push another's entries out."""

    def __init__(self, name: str, max_entries: int) -> None:
        self.name = name
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._lock = Lock()
        STORES[name] = self

    def get(self, key: tuple, now: float) -> Any | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or hit[0] <= now:
                return None
            self._entries.move_to_end(key)
            return hit[1]

    def put(self, key: tuple, value: Any, expires: float) -> None:
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: Every store by name (to clear them all, and to see what is kept).
STORES: dict[str, TimedStore] = {}
#: Whole pages for anonymous visitors, per URL and language.
PAGES = TimedStore("pages", 512)
#: The public calendar feed's version (ETag, Last-Modified), per language and filter.
FEED_VERSIONS = TimedStore("feed-versions", 256)
#: The event article shown to members (web/events.py `_article`), per everything it shows.
EVENT_ARTICLES = TimedStore("event-articles", 512)
#: The home page's club numbers (two entries: for anyone, for a logged-in viewer).
CLUB_NUMBERS = TimedStore("club-numbers", 4)
#: The directory's filter menus, per set of visible kinds.
DIRECTORY_CHOICES = TimedStore("directory-choices", 64)


def _cacheable() -> bool:
    return (request.method == "GET" and not current_user.is_authenticated and "_flashes" not in session
            and _seconds() > 0)


def _seconds() -> int:
    return current_app.config["PAGE_CACHE_SECONDS"]  # one default: alumni/config.py


def clear() -> None:
    for store in STORES.values():
        store.clear()


def remembered(store: TimedStore, key: tuple, compute: Callable[[], T]) -> T:
    """compute(), or its result from the last PAGE_CACHE_SECONDS, kept in `store` under `key`."""
    seconds = _seconds()
    if seconds <= 0:
        return compute()
    now = time.monotonic()
    hit = store.get(key, now)
    if hit is not None:
        return hit
    value = compute()
    store.put(key, value, now + seconds)
    return value


def cached_for_anonymous(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = (request.full_path, str(get_locale()))
        now = time.monotonic()
        hit = PAGES.get(key, now)
        if hit is not None:
            body, status, headers = hit
            # A poll carrying the ETag of the cached page gets its 304 from here too.
            return current_app.response_class(body, status=status, headers=headers).make_conditional(request)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.direct_passthrough:
            headers = [(k, v) for k, v in response.headers if k.lower() not in ("set-cookie", "x-request-id")]
            PAGES.put(key, (response.get_data(), response.status_code, headers), now + _seconds())
        return response

    return wrapper
