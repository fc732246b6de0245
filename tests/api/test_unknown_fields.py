"""A field the API does not know is a 422 naming it, on every body of /api/v1 (POST, PATCH, PUT):
a misspelled field must never be dropped in silence (it used to reach `respond(**_ignored)`)."""
import re

import pytest
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import Event, EventStatus, Registration
from tests.factories import make_event, make_institution, make_member, make_token, make_user

WRITES = ("post", "patch", "put")


def _spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _writes(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method in WRITES:
                yield method, path, op


def _object_schemas(spec, schema, seen=None):
    """The schema and every object schema nested in it (through $ref, items, allOf/oneOf)."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        schema = spec["components"]["schemas"][name]
    if schema.get("type") == "object" or "properties" in schema:
        yield schema
    for sub in (*schema.get("properties", {}).values(), schema.get("items") or {},
                *schema.get("allOf", ()), *schema.get("oneOf", ())):
        if sub:
            yield from _object_schemas(spec, sub, seen)


def test_every_request_body_is_documented_closed_and_may_answer_422(client):
    spec = _spec(client)
    writes = list(_writes(spec))
    assert len(writes) >= 15  # the API's writes were found
    for method, path, op in writes:
        label = f"{method.upper()} {path}"
        assert "requestBody" in op, f"{label}: document its body (NoBodySchema for none)"
        body = op["requestBody"]["content"]["application/json"]["schema"]
        for schema in _object_schemas(spec, body):
            if "additionalProperties" in schema and schema["additionalProperties"] is not False:
                continue  # a map by design (an event's translations, side quotas)
            assert schema.get("additionalProperties") is False, f"{label}: {schema}"
        assert "422" in op["responses"], label


def test_every_write_answers_an_unknown_field_with_422_naming_it(client, api):
    """Sent with nothing else: the unknown field is named whatever else is missing, before any
    lookup (the ids in the paths need not exist) — one place, the schema, refuses it."""
    token = make_token(make_user("staff"))
    for method, path, _op in _writes(_spec(client)):
        url = re.sub(r"\{\w+\}", "1", path.removeprefix("/api/v1"))
        r = getattr(api, method)(url, token, json={"colour": "red"})
        label = f"{method.upper()} {path}"
        assert r.status_code == 422, (label, r.get_json())
        error = r.get_json()["error"]
        assert error["code"] == "invalid" and error["fields"]["colour"] == "Unknown field.", label


def test_a_misspelled_answer_field_is_refused_and_nothing_is_recorded(api):
    event = make_event("IN", side_quotas={"IN": 10, "JP": 10})
    member = make_member(country="IN")
    token = make_token(make_user("member", member=member))
    uni = make_institution(name="IIT Delhi", country="IN")
    r = api.post(f"/events/{event.id}/registrations", token,
                 json={"response": "yes", "side": "IN", "institution": uni.id})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"institution": "Unknown field."}
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    r = api.post(f"/events/{event.id}/registrations", token,
                 json={"response": "yes", "side": "IN", "institution_id": uni.id})
    assert r.status_code == 201 and r.get_json()["institution_id"] == uni.id


def test_an_action_without_a_body_refuses_fields_and_takes_an_empty_one(api):
    organizer = make_token(make_user("organizer"))
    event = make_event("IN", publish=False)
    r = api.post(f"/events/{event.id}/publish", organizer, json={"notify": True})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"notify": "Unknown field."}
    db.session.refresh(event)
    assert event.status == EventStatus.draft
    assert api.post(f"/events/{event.id}/publish", organizer, json={}).status_code == 200
    assert api.post(f"/events/{event.id}/cancel", organizer).status_code == 200  # no body at all
    assert db.session.get(Event, event.id).status == EventStatus.cancelled


@pytest.mark.parametrize("path", ["/members/{id}/participations", "/members/{id}/careers"])
def test_a_record_with_an_unknown_field_is_not_created(api, path):
    member = make_member()
    token = make_token(make_user("staff"))
    r = api.post(path.format(id=member.id), token, json={"organisation": "RIKEN", "salary": 1})
    assert r.status_code == 422 and r.get_json()["error"]["fields"]["salary"] == "Unknown field."
