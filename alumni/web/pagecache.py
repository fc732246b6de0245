"""A short-lived cache of public pages for anonymous visitors (per process).

The event list and event pages are what many anonymous visitors open at once when an invitation
goes out. For visitors who are not logged in and carry no flashed message, the rendered page is
kept for a few seconds per URL and language: "places left" may lag by that much for them, never
for members (logged-in requests always render fresh).

`remembered()` keeps a small computed value (a feed's ETag) for the same few seconds, so that
calendar programs polling a public feed get their 304 without a database round trip."""
from __future__ import annotations

import time
from collections import OrderedDict
from functools import wraps
from threading import Lock

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

_entries: OrderedDict[tuple, tuple[float, bytes, int, list]] = OrderedDict()
_values: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
_lock = Lock()
MAX_ENTRIES = 512


def _cacheable() -> bool:
    return (request.method == "GET" and not current_user.is_authenticated and "_flashes" not in session
            and _seconds() > 0)


def _seconds() -> int:
    return current_app.config["PAGE_CACHE_SECONDS"]  # one default: alumni/config.py


def clear() -> None:
    with _lock:
        _entries.clear()
        _values.clear()


def _put(store: OrderedDict, key: tuple, value: tuple) -> None:
    with _lock:
        store[key] = value
        store.move_to_end(key)
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)


def remembered(key: tuple, compute):
    """compute(), or its result from the last PAGE_CACHE_SECONDS (per process, per key)."""
    seconds = _seconds()
    if seconds <= 0:
        return compute()
    now = time.monotonic()
    with _lock:
        hit = _values.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    _put(_values, key, (now + seconds, value))
    return value


def cached_for_anonymous(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = (request.full_path, str(get_locale()))
        now = time.monotonic()
        with _lock:
            hit = _entries.get(key)
            if hit is not None and hit[0] > now:
                _entries.move_to_end(key)
                _expires, body, status, headers = hit
                # A poll carrying the ETag of the cached page gets its 304 from here too.
                return current_app.response_class(body, status=status, headers=headers).make_conditional(request)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.direct_passthrough:
            headers = [(k, v) for k, v in response.headers if k.lower() not in ("set-cookie", "x-request-id")]
            _put(_entries, key, (now + _seconds(), response.get_data(), response.status_code, headers))
        return response

    return wrapper
