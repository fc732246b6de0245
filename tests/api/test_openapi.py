"""The OpenAPI document covers every /api/v1 route of the app."""
import re


def test_openapi_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is not in openapi.json"


def test_every_operation_documents_the_error_shape(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    error = spec["components"]["schemas"]["ApiError"]
    assert error["properties"]["error"]
    assert "bearer" in spec["components"]["securitySchemes"]


def _operations(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, op


def test_every_operation_has_a_readable_id_a_summary_and_its_errors(client):
    from alumni.api.docs import OPERATIONS

    spec = client.get("/api/v1/openapi.json").get_json()
    ids = []
    for method, path, op in _operations(spec):
        label = f"{method.upper()} {path}"
        assert (method, path.removeprefix("/api/v1")) in OPERATIONS, f"{label}: add it to alumni/api/docs.py"
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)+", op["operationId"]), label
        assert op["summary"] and "\n" not in op["summary"], label
        ids.append(op["operationId"])
        errors = {code for code in op["responses"] if code.startswith("4")}
        assert "400" in errors, label
        token_optional = op.get("security") in ([], [{}, {"bearer": []}])
        assert ("401" in errors) != token_optional, label
        for code in errors:
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ApiError"}, label
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    assert {"listMembers", "getMember", "createRegistration", "checkInRegistration"} <= set(ids)


def test_public_profile_and_full_record_are_separate_schemas(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    public, full = schemas["MemberPublic"], schemas["Member"]
    assert "email" not in public["properties"] and public["additionalProperties"] is False
    assert "email" in full["required"] and "calendar_url" in full["properties"]
    assert {s["$ref"] for s in schemas["MemberView"]["oneOf"]} == {
        "#/components/schemas/Member", "#/components/schemas/MemberPublic"}
    page = schemas["MemberPage"]["properties"]["items"]["items"]
    assert page == {"$ref": "#/components/schemas/MemberView"}


def test_the_document_states_the_rules_the_validation_enforces(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    event = schemas["Event"]["properties"]
    assert event["title"]["maxLength"] == 300 and event["title"]["pattern"] == r"^[^\r\n]*$"
    assert event["description"]["maxLength"] == 20_000 and "pattern" not in event["description"]
    assert event["capacity"]["minimum"] == 0
    assert "ja" in event["language"]["enum"]
    assert schemas["Member"]["properties"]["email"]["format"] == "email"
    assert schemas["Member"]["properties"]["given_name"]["pattern"] == r"^[^\r\n]*$"
    assert schemas["Registration"]["properties"]["status"]["enum"] == [
        "yes", "maybe", "no", "waitlisted", "cancelled"]


def test_what_the_document_says_is_what_the_api_does(api):
    """One-line fields refuse a line break (as documented); the description takes paragraphs."""
    from tests.factories import make_chapter, make_token, make_user

    make_chapter()
    token = make_token(make_user("organizer", chapter="IN"))
    event = {"kind": "reunion", "title": "Reunion", "starts_at": "2027-01-23T18:00:00",
             "timezone": "Asia/Kolkata", "venue": "New Delhi", "chapter": "IN"}
    answer = api.post("/events", token, json={**event, "title": "Two\nlines"})
    assert answer.status_code == 422 and "title" in answer.get_json()["error"]["fields"]
    answer = api.post("/events", token, json={**event, "description": "First paragraph.\n\nSecond one."})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["description"] == "First paragraph.\n\nSecond one."


def test_a_member_reads_others_as_public_profiles_that_match_the_document(api):
    from tests.factories import make_member, make_token, make_user

    other = make_member(visibility="members", native_name="佐藤 花子")
    token = make_token(make_user("member"))
    listed = api.get("/members", token).get_json()["items"]  # validated against the document
    assert any(item["id"] == other.id and "email" not in item for item in listed)
    one = api.get(f"/members/{other.id}", token).get_json()
    assert "email" not in one and one["native_name"] == "佐藤 花子"


def test_the_response_check_catches_an_answer_the_document_does_not_allow(app, client):
    """The suite-wide check (tests/openapi_check.py) fails on a wrong body or an undocumented status."""
    import pytest
    from flask import Flask

    from tests.openapi_check import check_api_response

    fake = Flask("fake")

    @fake.get("/api/v1/programmes")
    def wrong_shape():
        return {"items": "not a list", "total": 1}

    @fake.get("/api/v1/chapters")
    def undocumented_status():
        return {"error": {"code": "conflict", "message": "no"}}, 409

    for path in ("/api/v1/programmes", "/api/v1/chapters"):
        with fake.test_client() as other:
            response = other.get(path)
        with pytest.raises(AssertionError):
            check_api_response(app, response)
