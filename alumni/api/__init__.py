"""The JSON API under /api/v1 (flask-smorest: one marshmallow schema gives validation and the
OpenAPI document). Views only adapt: parse, check permission, call a service, commit, answer."""
from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from alumni.api.schemas import ApiErrorSchema
from alumni.errors import Forbidden, ServiceError, Unauthorized
from alumni.extensions import csrf, db
from alumni.i18n import _

API_PREFIX = "/api/v1"


class Api(_Api):
    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self):
        """Errors are answered by alumni.api.handle_api_error (JSON under /api, pages elsewhere)."""


api = Api()

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
    from flask_wtf.csrf import CSRFError

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
        from alumni.services.accounts import user_for_token

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


def init_api(app: Flask) -> None:
    from alumni.api import (
        audit,
        chapters,
        events,
        institutions,
        invitations,
        members,
        programmes,
        registrations,
        reports,
    )

    api.init_app(app, spec_kwargs={
        "servers": [{"url": "/"}],
        "info": {"description": "Members, careers, returns to Japan, chapters and institutions of "
                                "the Sakura Science Club."},
    })
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    from alumni.api.docs import OperationDocs

    docs_plugin = OperationDocs(API_PREFIX)
    docs_plugin.init_spec(api.spec)
    api.spec.plugins.append(docs_plugin)

    @app.after_request
    def record_token_use(response):
        """Keep the token's `last_used_at` written by `user_for_token` (a read-only request
        commits nothing else). A failed or still-streaming answer leaves it to the next one."""
        if request.environ.get("alumni.token_touched") and response.status_code < 400 \
                and not response.is_streamed:
            db.session.commit()
        return response
    api.spec.options["security"] = [{"bearer": []}]
    for module in (programmes, chapters, institutions, members,
                   events, registrations, reports, invitations, audit):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + module.PREFIX)
        csrf.exempt(module.blp)
    from alumni.api.schemas import document_role_dependent_shapes

    document_role_dependent_shapes(api.spec)


__all__ = ["Blueprint", "api", "commit", "current_actor", "forbid_unless", "init_api", "require_actor"]
