"""What the API's modules share: the error body, the bearer-token actor, permission checks and
the commit. Imported by the package (`alumni.api`) and by each resource module, so that neither
imports the other."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from alumni.errors import Forbidden, NotFound, ServiceError, Unauthorized
from alumni.extensions import db
from alumni.i18n import _
from alumni.permissions import can_view_registration
from alumni.services.accounts import user_for_token
from alumni.services.registrations import get_registration

API_PREFIX = "/api/v1"

# The shape every API error has; documented once and referenced by every route.
ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "too_many_requests",
}


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


def error_body(status: int, code: str, message: str, fields: dict | None = None):
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}, status


def _flatten(messages) -> dict:
    """webargs' {"json": {"field": ["msg"]}} → {"field": "msg"}."""
    fields: dict[str, str] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(key if prefix in (None, "json", "query", "path", "form") else f"{prefix}.{key}", sub)
        elif isinstance(value, list):
            fields[prefix or "body"] = "; ".join(str(m) for m in value if not isinstance(m, (dict, list))) \
                or str(value)
        else:
            fields[prefix or "body"] = str(value)

    walk(None, messages)
    return fields


def http_error_response(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if status == 422 and messages:
        fields = _flatten(messages)
        first = next(iter(fields.items()))
        return error_body(422, "invalid", _("%(field)s: %(message)s", field=first[0], message=first[1]), fields)
    if status == 400:
        if error.description == "NUL":
            return error_body(400, "bad_request", _("The request contains a NUL character."))
        if error.description == "SURROGATE":
            return error_body(400, "bad_request", _("The request contains text that is not valid Unicode "
                                                    "(a lone surrogate)."))
        if error.description == "JSON_LIMITS":
            return error_body(400, "bad_request", _("The request body is nested too deeply or holds a "
                                                    "number too long."))
        return error_body(400, "bad_request", _("The request body is not valid JSON."))
    message = data.get("message") or default_message(error)
    return error_body(status, ERROR_CODES.get(status, "error"), str(message))


def default_message(error: HTTPException) -> str:
    """A translated sentence for an HTTP error, for pages and API alike."""

    if isinstance(error, CSRFError):
        return _("The form's security token (CSRF) is missing or has expired. Go back, reload the page "
                 "and try again.")
    return {
        400: _("The request could not be understood; it may hold characters we do not accept."),
        401: _("Give a valid API token: Authorization: Bearer TOKEN.") if wants_json()
        else _("Please log in first."),
        403: _("You may not do this."),
        404: _("There is nothing at this address. Check the link, or start again from the home page."),
        405: _("This method is not allowed here."),
        413: _("What you sent is too large."),
        415: _("This kind of content is not accepted here.") if wants_json()
        else _("Pages take web forms, not JSON: send the form from its page."),
        429: _("Too many attempts. Please wait a little and try again."),
    }.get(error.code or 0, error.description or error.name)


def service_error_response(error: ServiceError):
    return error_body(error.status, error.code, error.message, error.fields)


def current_actor():
    """The account behind the bearer token, or None."""
    # Cached on the request itself (an app context, and so `g`, may outlive one request).
    if "alumni.actor" not in request.environ:
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        actor, touched = user_for_token(token.strip()) if scheme.lower() == "bearer" else (None, False)
        request.environ["alumni.actor"] = actor
        request.environ["alumni.token_touched"] = touched
    return request.environ["alumni.actor"]


def require_actor():
    actor = current_actor()
    if actor is None:
        raise Unauthorized(_("Give a valid API token: Authorization: Bearer TOKEN."))
    return actor


def forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise Forbidden(_("You may not do this."))


def commit():
    db.session.commit()


def visible_registration(actor, registration_id: int):
    """The registration if the caller may see it (its member, the event's organizers, staff);
    otherwise 404 — its existence is not confirmed."""
    try:
        reg = get_registration(registration_id)
    except NotFound:
        reg = None
    if reg is None or not can_view_registration(actor, reg):
        raise NotFound(_("There is no registration %(id)s.", id=registration_id))
    return reg
