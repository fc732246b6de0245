"""Schemathesis against our own OpenAPI document: for every documented operation, generated
requests (valid ones and invalid ones) never make the API answer 500, and every answer matches
the documented schema (status code, content type, body). Bounded so that a run takes a minute
or two on each database; `SCHEMATHESIS_EXAMPLES=500` makes a longer hunt."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import make_event, make_institution, make_member, make_participation, make_token, make_user

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))


def _documented_operations() -> list:
    """Read at collection from the document itself (it needs no database): each operation with
    valid input, and — where it takes any input — with invalid input."""
    from alumni import create_app

    spec = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).test_client().get("/api/v1/openapi.json").json
    cases = []
    for path, ops in sorted(spec["paths"].items()):
        for method, op in sorted(ops.items()):
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            label = f"{method.upper()} {path}"
            cases.append(pytest.param(label, GenerationMode.POSITIVE, id=f"{label}-valid"))
            if op.get("parameters") or op.get("requestBody") or ops.get("parameters"):
                cases.append(pytest.param(label, GenerationMode.NEGATIVE, id=f"{label}-invalid"))
    return cases


@pytest.fixture
def staff_token():
    """Rows for the small ids hypothesis tries first, and a token that may do anything (so
    that requests reach the code behind the permission checks)."""
    member = make_member()
    make_participation(member)
    make_institution()
    make_event("IN", capacity=3)
    return make_token(make_user("staff"))


@pytest.mark.parametrize(("operation", "mode"), _documented_operations())
def test_api_matches_its_openapi_document(app, staff_token, operation, mode):
    method, path = operation.split(" ", 1)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {staff_token}"}

    @given(case=schema[path][method].as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        # Raises on a 5xx or an answer that does not match the document.
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])
        statuses.append(response.status_code)

    statuses: list[int] = []
    check()
    assert statuses and all(code < 500 for code in statuses)
