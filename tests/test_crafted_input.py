"""Crafted input answers 4xx, never 5xx (issue 23, item 7): integers out of any range in query
strings, forms and JSON; deeply nested JSON; a 5,000-digit JSON number; a lone surrogate
(`\\ud800`) in JSON text — on every route of the app, pages included (the routes are read from
`app.url_map`, their paths filled as tests/test_access_matrix.py fills them)."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alumni.extensions import limiter
from tests.test_access_matrix import PASSWORD, all_routes, build_world, path_for

HUGE = "99999999999999999999"
DEEP_ARRAY = "[" * 500 + "]" * 500
DEEP_OBJECT = '{"a":' * 300 + "1" + "}" * 300
LONG_NUMBER = "9" * 5000
SURROGATE = '"\\ud800"'
#: The issue's three JSON bodies.
CRAFTED_BODIES = {"deep array": DEEP_ARRAY, "lone surrogate": '{"given_name": "\\ud800", "title": "x\\udfff"}',
                  "5,000-digit integer": '{"capacity": ' + LONG_NUMBER + "}"}

#: Query and form parameters the pages and the API read.
PARAMS = ["page", "per_page", "member", "cohort", "q", "country", "programme", "field", "kind", "chapter",
          "mode", "when", "status", "side", "as", "fy_from", "fy_to", "direction", "who", "publication",
          "lang", "next", "event_id", "member_id", "institution_id", "capacity", "fiscal_year", "response"]
QUERY_VALUES = [HUGE, "-" + HUGE, "9" * 5000, "2147483648", "-2147483649", "0", "-1", "1e999", "NaN",
                "%ED%A0%80", "%ED%B0%80x", "\ufffd", "abc", f"2019, {HUGE}", f"IN={HUGE}"]
#: JSON body fields: those of the API's schemas and of the forms.
FIELDS = ["page", "per_page", "member_id", "institution_id", "capacity", "side_quotas", "fiscal_year",
          "fy_from", "fy_to", "email", "given_name", "family_name", "country", "title", "description",
          "starts_at", "ends_at", "timezone", "response", "audience", "fiscal_years", "start_date",
          "end_date", "host_institution_id", "sending_institution_id", "kind", "translations", "answers",
          "visibility", "status", "side", "duplicate_id"]
JSON_FRAGMENTS = [HUGE, "-" + HUGE, f'"{HUGE}"', LONG_NUMBER, f'"{LONG_NUMBER}"', "2147483648", "1e999",
                  "-1e999", "1.5e308", SURROGATE, '"a\\udfffb"', '["\\ud800"]', '{"\\ud800": 1}',
                  DEEP_ARRAY, DEEP_OBJECT, "[" * 40 + "1" + "]" * 40, '{"IN": ' + HUGE + "}",
                  '{"fiscal_years": [' + HUGE + "]}", "[" + HUGE + "]"]



def _form_fields() -> list[str]:
    """The names of every field of every form of the pages."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    import alumni.forms

    for module in pkgutil.iter_modules(alumni.forms.__path__):
        importlib.import_module(f"alumni.forms.{module.name}")
    names, stack = set(), list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(n for n, v in vars(cls).items() if isinstance(v, UnboundField))
    return sorted(names - {"csrf_token", "submit"})


FORM_FIELDS = _form_fields()

#: Routes that would end the world the examples share: the member's own deletion.
DESTRUCTIVE = {"POST /me/delete", "DELETE /api/v1/members/<int:member_id>"}


def _query(params: dict) -> str:
    """A query string; the raw %-escapes in the values are kept (they spell invalid UTF-8)."""
    return "&".join(f"{k}={v if v.startswith('%') else quote(v)}" for k, v in params.items())


def _client(app, world, caller: str):
    limiter.reset()
    client = app.test_client()
    r = client.post("/login", data={"email": world.users[caller].email, "password": PASSWORD})
    assert r.status_code == 302
    return client, {"Authorization": f"Bearer {world.tokens[caller]}"}


def _request(client, headers, method: str, path: str, *, query: str = "", body: str | None = None,
             form: dict | None = None):
    url = f"{path}?{query}" if query else path
    if body is not None:
        return client.open(url, method=method, data=body.encode(), content_type="application/json",
                           headers=headers)
    return client.open(url, method=method, data=form or {}, headers=headers)


def _assert_error_format(response, path: str) -> None:
    # The API, and the JSON a page's script reads (e.g. the invite page's audience.json, once past
    # its permission check), answer the API's error shape; pages answer the error page.
    if path.startswith("/api/") or (path.endswith(".json") and response.is_json):
        error = response.get_json()["error"]
        assert error["code"] and error["message"]
    else:
        assert "text/html" in response.content_type
        assert "Something went wrong on our side" not in response.get_data(as_text=True)


@pytest.fixture
def world():
    return build_world()


def test_the_issues_crafted_input_is_4xx_on_every_route(app, world):
    client, headers = _client(app, world, "staff")
    for route in all_routes(app):
        method, rule = route.split(" ", 1)
        path = path_for(rule, world)
        if method == "GET":
            r = _request(client, headers, method, path, query=f"page={HUGE}&per_page={HUGE}&member={HUGE}")
            assert r.status_code < 500, (route, r.get_data(as_text=True)[:300])
            continue
        if route in DESTRUCTIVE:
            continue
        for name, body in CRAFTED_BODIES.items():
            r = _request(client, headers, method, path, body=body)
            assert r.status_code == 400, (route, name, r.status_code, r.get_data(as_text=True)[:300])
            _assert_error_format(r, path)


def test_every_form_field_with_a_number_beyond_any_range_is_never_a_5xx(app, world):
    """Each page that takes a form, with every field of every form set to an out-of-range number."""
    for route in all_routes(app):
        method, rule = route.split(" ", 1)
        if method != "POST" or rule.startswith("/api/") or route in DESTRUCTIVE:
            continue
        for value in (HUGE, "9" * 5000, f"2019, {HUGE}"):
            client, headers = _client(app, world, "staff" if "/me" not in rule else "member")
            r = _request(client, headers, method, path_for(rule, world), form=dict.fromkeys(FORM_FIELDS, value))
            assert r.status_code < 500, (route, value[:30], r.get_data(as_text=True)[:300])


@pytest.mark.parametrize("path", ["/events", "/manage/events", "/staff/returnees", "/staff/access-log",
                                  "/manage/events/{event_id}", "/directory", "/api/v1/events",
                                  "/api/v1/members"])
def test_a_page_number_beyond_any_page_is_4xx_in_the_projects_format(app, world, path):
    client, headers = _client(app, world, "staff")
    path = path.format(event_id=world.event.id)
    for value in (HUGE, "9" * 5000, "-" + HUGE):
        r = _request(client, headers, "GET", path, query=f"page={value}")
        assert r.status_code < 500, r.get_data(as_text=True)[:300]
        if r.status_code >= 400:
            _assert_error_format(r, path)
    if path != "/directory":  # the directory forgives what is typed into its URL (a page of its own)
        r = _request(client, headers, "GET", path, query=f"page={HUGE}")
        assert r.status_code in (400, 422) and ("page" in r.get_data(as_text=True))


def test_json_is_bounded_before_it_is_parsed(app):
    """The bounds hold for every JSON read (request.get_json included), not only the API's."""
    from werkzeug.exceptions import BadRequest

    for body in (DEEP_ARRAY, LONG_NUMBER, SURROGATE, '{"a": "x\\udfff"}', "-" + "1" * 400):
        with app.test_request_context("/x", method="POST", data=body, content_type="application/json"):
            from flask import request

            with pytest.raises(BadRequest):
                request.get_json()
    with app.test_request_context("/x", method="POST", data='{"a": [[1, 2.5, "\\ud83d\\ude00"]], "n": -12}',
                                  content_type="application/json"):
        from flask import request

        assert request.get_json() == {"a": [[1, 2.5, "😀"]], "n": -12}  # a surrogate *pair* is a character


def test_api_integers_are_range_checked_in_json_and_query(app, world):
    client, headers = _client(app, world, "staff")
    for body in ({"capacity": int(HUGE)}, {"capacity": HUGE}, {"side_quotas": {"IN": int(HUGE)}}):
        r = client.patch(f"/api/v1/events/{world.event.id}", json=body, headers=headers)
        assert r.status_code == 422, r.get_data(as_text=True)
        assert r.get_json()["error"]["fields"]
    r = client.post(f"/api/v1/events/{world.event.id}/registrations", headers=headers,
                    json={"member_id": world.member.id, "response": "yes", "institution_id": int(HUGE)})
    assert r.status_code == 422, r.get_data(as_text=True)
    r = client.get(f"/api/v1/reports/returnees?as=research&fy_from={HUGE}", headers=headers)
    assert r.status_code == 422, r.get_data(as_text=True)


def _loaded_schemas(app):
    """The schemas the API reads requests with (flask-smorest's @arguments), nested ones included."""
    import marshmallow as ma

    found, stack = set(), []
    for view in app.view_functions.values():
        functions = [getattr(view.view_class, m, None) for m in ("get", "post", "put", "patch", "delete")] \
            if hasattr(view, "view_class") else [view]
        for function in filter(None, functions):
            for parameter in getattr(function, "_apidoc", {}).get("arguments", {}).get("parameters", []):
                schema = parameter["schema"]
                stack.append(schema if isinstance(schema, type) else type(schema))
    while stack:
        cls = stack.pop()
        if cls in found:
            continue
        found.add(cls)
        for field in cls._declared_fields.values():
            if isinstance(field, ma.fields.Nested):
                nested = field.nested
                stack.append(nested if isinstance(nested, type) else type(nested))
    return found


def test_every_integer_the_api_loads_is_range_checked(app):
    """A new field with a plain fields.Integer would take 2**70 to the database."""
    import marshmallow as ma

    from alumni.api.schemas import Integer

    schemas = _loaded_schemas(app)
    assert len(schemas) > 10
    unbounded = []
    for cls in schemas:
        for name, field in cls._declared_fields.items():
            inner = [field.value_field] if isinstance(field, ma.fields.Dict) and field.value_field else []
            inner += [field.inner] if isinstance(field, ma.fields.List) else []
            for f in [field, *inner]:
                if isinstance(f, ma.fields.Integer) and not f.dump_only and not isinstance(f, Integer):
                    unbounded.append(f"{cls.__name__}.{name}")
    assert not unbounded, unbounded


# Every route, every caller kind that can log in, crafted values anywhere: never a 5xx.
_ROUTES = None


def _routes(app) -> list[tuple[str, str]]:
    global _ROUTES
    if _ROUTES is None:
        _ROUTES = [tuple(r.split(" ", 1)) for r in all_routes(app) if r not in DESTRUCTIVE]
    return _ROUTES


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_no_route_answers_5xx_to_crafted_input(app, world, data):
    method, rule = data.draw(st.sampled_from(_routes(app)), label="route")
    caller = data.draw(st.sampled_from(["member", "staff"]), label="caller")
    query = data.draw(st.dictionaries(st.sampled_from(PARAMS), st.sampled_from(QUERY_VALUES), max_size=3),
                      label="query")
    kind = data.draw(st.sampled_from(["none", "json", "json", "form"]) if method != "GET" else st.just("none"),
                     label="body kind")
    body, form = None, None
    if kind == "json":
        fields = data.draw(st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(JSON_FRAGMENTS),
                                           min_size=1, max_size=3), label="json")
        body = "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in fields.items()) + "}"
    elif kind == "form":
        form = data.draw(st.dictionaries(st.sampled_from(sorted(set(FORM_FIELDS + FIELDS + PARAMS))),
                                         st.sampled_from([v for v in QUERY_VALUES if not v.startswith("%")]),
                                         min_size=1, max_size=4), label="form")
    client, headers = _client(app, world, caller)
    path = path_for(rule, world)
    r = _request(client, headers, method, path, query=_query(query), body=body, form=form)
    assert r.status_code < 500, (method, path, query, body and body[:200], form, r.get_data(as_text=True)[:500])
    if r.status_code >= 400:
        _assert_error_format(r, path)


def test_pages_take_web_forms_not_json(app, world):
    """Regression (found by the property above on PostgreSQL): Flask-WTF read a JSON body as the
    form, giving a text field a number (`{"side_quotas": 99999999999999999999}` → 500)."""
    client, headers = _client(app, world, "staff")
    r = client.post("/manage/events/new", json={"side_quotas": int(HUGE)})
    assert r.status_code == 415 and "web forms" in r.get_data(as_text=True)
    r = client.post("/signup", json={"email": "x@example.org", "given_name": ["a"]})
    assert r.status_code == 415
    # The API takes JSON, and pages still take their forms.
    assert client.get("/api/v1/programmes", headers=headers).status_code == 200
    assert client.post("/logout").status_code == 302
