"""Public addresses of the app's pages, built from its URL map and BASE_URL: the same in a
request, a worker and the CLI (no request needed), and a renamed route changes every link
made here (nothing writes a route's path by hand)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute address of `endpoint` under BASE_URL (scheme, host and any path prefix),
    whatever host the current request, if any, came in by."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def home_url() -> str:
    """The service's front page, as mail signs off with it."""
    return external_url("main.index")
