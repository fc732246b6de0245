"""Every /api/v1 answer the test suite receives is checked against the served OpenAPI document
with openapi-core (a validator we did not write): status documented, content type, body.

tests/conftest.py's test client calls `check_api_response` after each request, so no test can
forget it. The statuses a client must be able to tell apart (400/401/403/404/409/422) have to be
listed on the operation itself; `default` covers only the generic ones (405, 413, 415, 429)."""
from __future__ import annotations

import json

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.datatypes import RequestParameters

API = "/api/v1/"
NAMED_STATUSES = {400, 401, 403, 404, 409, 422}
_validators: dict[int, tuple[OpenAPI, dict]] = {}


def _openapi(app) -> tuple[OpenAPI, dict]:
    """The document as the app serves it, read once per app."""
    if id(app) not in _validators:
        with app.test_request_context():
            spec = json.loads(app.test_client().get(API + "openapi.json", check_openapi=False).data)
        _validators[id(app)] = (OpenAPI.from_dict(spec), spec)
    return _validators[id(app)]


def _operation(spec: dict, method: str, path: str) -> dict | None:
    parts = path.rstrip("/").split("/")
    for template, ops in spec["paths"].items():
        names = template.split("/")
        if len(names) == len(parts) and all(n == p or (n.startswith("{") and p.isdigit())
                                            for n, p in zip(names, parts, strict=True)):
            return ops.get(method.lower())
    return None


def check_api_response(app, response) -> None:
    """Raise AssertionError where `response` (to a request under /api/v1) breaks the document."""
    request = response.request
    path = request.path
    if not path.startswith(API) or path == API + "openapi.json" or response.status_code in (405, 500):
        return  # 405 has no operation to look up; a 500 fails its own test more clearly
    openapi, spec = _openapi(app)
    operation = _operation(spec, request.method, path)
    if operation is None:
        if response.status_code == 404:
            return  # an address the API does not have
        raise AssertionError(f"{request.method} {path} answered {response.status_code} but is not in openapi.json")
    status = response.status_code
    if status in NAMED_STATUSES and str(status) not in operation["responses"]:
        raise AssertionError(f"{request.method} {path} answered {status}, which its operation "
                             f"{operation.get('operationId')} does not document:\n{response.get_data(as_text=True)[:500]}")
    try:
        openapi.validate_response(_AnsweredRequest(request), WerkzeugOpenAPIResponse(response))
    except Exception as exc:  # openapi-core raises a tree of its own errors; show them all
        details = "\n".join(str(e) for e in _causes(exc))
        raise AssertionError(f"{request.method} {path} → {status} does not match openapi.json "
                             f"({operation.get('operationId')}): {details}\nbody: "
                             f"{response.get_data(as_text=True)[:1000]}") from None


class _AnsweredRequest(WerkzeugOpenAPIRequest):
    """The request as far as a response check needs it (its body was read by the app already)."""

    def __init__(self, request):
        self.request = request
        self.parameters = RequestParameters()

    @property
    def body(self) -> bytes | None:
        return None


def _causes(exc: BaseException):
    yield exc
    yield from getattr(exc, "schema_errors", None) or ()
    if exc.__cause__ is not None:
        yield from _causes(exc.__cause__)
