"""Errors the service layer raises; pages flash them, the API maps them to status codes."""
from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A rule said no. `message` is already translated for the current locale."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, message)

    def to_dict(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Unavailable(ServiceError):
    """A service we depend on (ORCID) did not answer, or answered what we cannot read."""
    status = 502
    code = "unavailable"
