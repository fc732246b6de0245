"""What a request may carry before anything reads it (issue 23, item 7): JSON bounded in depth,
number length and size *before* it is parsed, and no text with a NUL or a lone surrogate — in
query strings, form fields and JSON alike. Refusals are 400 with the project's error format
(alumni.api.http_error_response for /api, the error page elsewhere).

Every JSON read goes through `BoundedJSONProvider` (request.get_json included); the before-request
guard `check_request` applies the same bounds to the raw body of every JSON request, so a parser
that does not use Flask's provider (webargs, for the API) only ever sees bounded text.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

from alumni.api.common import wants_json

#: Deeper than any document of ours (an event's questions are 4 levels deep).
MAX_JSON_DEPTH = 32
#: Characters in one JSON number: a 64-bit float written out in full fits in 25.
MAX_NUMBER_CHARS = 40
#: The API's bodies are small; a JSON body beyond this is refused (413) without being read as JSON.
MAX_JSON_BYTES = 1024 * 1024

#: Reasons, carried as the HTTPException's description and turned into messages by the handlers.
NUL, SURROGATE, JSON_LIMITS = "NUL", "SURROGATE", "JSON_LIMITS"

# A JSON string (escapes included), a bracket, or a number; the rest (`:`, `,`, true, space) is skipped.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|-?[0-9][0-9.eE+-]*')
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonLimitError(ValueError):
    """The JSON text is nested too deeply or holds a number too long; it was not parsed."""


def check_json_text(text: str) -> None:
    """Raise JsonLimitError if `text` nests deeper than MAX_JSON_DEPTH or holds a number longer
    than MAX_NUMBER_CHARS — without parsing it (a regular expression walks its tokens)."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        first = token[0]
        if first in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise JsonLimitError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        elif first in "]}":
            depth -= 1
        elif first != '"' and len(token) > MAX_NUMBER_CHARS:
            raise JsonLimitError(f"a JSON number longer than {MAX_NUMBER_CHARS} characters")


def bad_text(value: Any) -> str | None:
    """NUL or SURROGATE if a string anywhere in `value` (a JSON value: dicts, lists, keys) holds
    a NUL or a lone surrogate (which no UTF-8 text, no database and no page can hold); else None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return NUL
            if _LONE_SURROGATE.search(item):
                return SURROGATE
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with the bounds checked before parsing and lone surrogates refused after."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        check_json_text(text)
        value = json.loads(text, **kwargs)
        if bad_text(value) is not None:
            raise JsonLimitError("a NUL or a lone surrogate in JSON text")
        return value



def check_request() -> None:
    """The before-request guard: query strings, forms and JSON bodies."""
    values: list[Any] = list(request.args.values())
    if request.is_json:
        if (request.content_length or 0) > MAX_JSON_BYTES:
            abort(413)
        raw = request.get_data(cache=True)
        if len(raw) > MAX_JSON_BYTES:
            abort(413)
        text = raw.decode("utf-8", "replace")
        try:
            check_json_text(text)
            values.append(json.loads(text))
        except JsonLimitError:
            abort(400, description=JSON_LIMITS)
        except ValueError:
            pass  # not JSON at all: the reader says so (the API: 400 "not valid JSON")
    else:
        values.extend(request.form.values())
    reason = bad_text(values)
    if reason is not None:
        abort(400, description=reason)

    if request.is_json and not wants_json() and request.method not in ("GET", "HEAD", "OPTIONS"):
        # Pages take web forms. Flask-WTF would read a JSON body as the form, handing numbers
        # and lists to fields that expect text.
        abort(415)


def init_inputs(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    # First of the app's guards: nothing else reads a request that breaks these bounds.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
