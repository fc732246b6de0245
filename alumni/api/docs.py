"""What the OpenAPI document says of each operation beyond its schemas: a readable
`operationId` (what a generated client names its functions), a one-line summary, and the
error answers it can give, each with the error schema.

Kept in one table, by method and path, so that the routes stay short and a reader sees the
whole API at a glance; tests/api/test_openapi.py fails on a route missing here.

Unknown fields: every request body (POST, PATCH) is a `StrictSchema` (alumni/api/schemas.py),
documented `additionalProperties: false`; a field it does not know is answered 422 with the
field named in `error.fields`. An action that takes no body (publish, cancel, check-in) has the
empty `NoBody` schema, so a field sent to it is refused alike. Every operation with a request body
documents the 422 (added below, whatever its row in the table says)."""
from __future__ import annotations

from typing import Any

from apispec import BasePlugin

#: Errors every operation can answer: a body that is not JSON, a NUL character anywhere.
ALWAYS = (400,)
#: Errors of operations behind `require_actor` (a missing, expired or revoked token).
AUTH = (401,)

ERROR_DESCRIPTIONS = {
    400: "The request is not valid JSON, or holds a NUL character.",
    401: "No valid API token (Authorization: Bearer TOKEN).",
    403: "The token's account may not do this.",
    404: "There is no such resource, or the caller may not see it.",
    409: "The request conflicts with the resource's state (see the message).",
    422: "A field is missing, invalid or unknown; `error.fields` names each one.",
}

R, W = (403, 404), (403, 404, 409, 422)

#: (method, path under /api/v1) → (operationId, summary, error statuses besides ALWAYS).
#: `None` as the statuses' first item marks an operation that needs no token.
OPERATIONS: dict[tuple[str, str], tuple[str, str, tuple[int | None, ...]]] = {
    ("get", "/programmes"): ("listProgrammes", "The programme catalogue", (None,)),
    ("get", "/chapters"): ("listChapters", "Alumni chapters", (None, 422)),
    ("get", "/institutions"): ("listInstitutions", "Institutions, by country or part of the name", (None, 422)),
    ("post", "/institutions"): ("createInstitution", "Add an institution (staff, organizers)", (403, 409, 422)),
    ("patch", "/institutions/{institution_id}"): (
        "updateInstitutionNames", "Change an institution's names in other languages (staff, organizers)", W),
    ("get", "/members"): ("listMembers", "Members: full records for staff, public profiles otherwise", (422,)),
    ("post", "/members"): ("createMember", "Create a member (staff)", (403, 409, 422)),
    ("get", "/members/duplicates"): (
        "listDuplicateMembers", "Pairs of members that look like one person, best first (staff)", (403, 422)),
    ("post", "/members/{member_id}/merge"): (
        "mergeMembers", "Merge a duplicate member into this one; undoable (staff)", W),
    ("post", "/merges/{merge_id}/undo"): ("undoMerge", "Undo a merge of two members (staff)", W),
    ("get", "/members/{member_id}"): ("getMember", "One member: the full record or the public profile", (404,)),
    ("patch", "/members/{member_id}"): ("updateMember", "Change a member's record (the member, staff)", W),
    ("delete", "/members/{member_id}"): ("deleteMember", "Delete a member and their records", R),
    ("post", "/members/{member_id}/calendar-token"): (
        "resetCalendarToken", "A new private calendar feed URL; the old one stops working", R),
    ("get", "/members/{member_id}/participations"): ("listParticipations", "A member's participations", (*R, 422)),
    ("post", "/members/{member_id}/participations"): ("createParticipation", "Record a participation", W),
    ("get", "/members/{member_id}/participations/{record_id}"): ("getParticipation", "One participation", R),
    ("patch", "/members/{member_id}/participations/{record_id}"): (
        "updateParticipation", "Change a participation", W),
    ("delete", "/members/{member_id}/participations/{record_id}"): (
        "deleteParticipation", "Delete a participation", R),
    ("get", "/members/{member_id}/careers"): ("listCareers", "A member's career entries", (*R, 422)),
    ("post", "/members/{member_id}/careers"): ("createCareer", "Add a career entry", W),
    ("get", "/members/{member_id}/careers/{record_id}"): ("getCareer", "One career entry", R),
    ("patch", "/members/{member_id}/careers/{record_id}"): ("updateCareer", "Change a career entry", W),
    ("delete", "/members/{member_id}/careers/{record_id}"): ("deleteCareer", "Delete a career entry", R),
    ("get", "/members/{member_id}/returns"): ("listReturnVisits", "A member's return visits to Japan", (*R, 422)),
    ("post", "/members/{member_id}/returns"): ("createReturnVisit", "Record a return visit", W),
    ("get", "/members/{member_id}/returns/{record_id}"): ("getReturnVisit", "One return visit", R),
    ("patch", "/members/{member_id}/returns/{record_id}"): ("updateReturnVisit", "Change a return visit", W),
    ("delete", "/members/{member_id}/returns/{record_id}"): ("deleteReturnVisit", "Delete a return visit", R),
    ("get", "/events"): ("listEvents", "Events: published and cancelled; drafts for their organizers",
                         (None, 404, 422)),  # 404: an unknown chapter code
    ("post", "/events"): ("createEvent", "Create an event (a draft) in a chapter the caller organizes",
                          (403, 404, 422)),
    ("get", "/events/{event_id}"): ("getEvent", "One event", (None, 404)),
    ("patch", "/events/{event_id}"): ("updateEvent", "Change an event (its organizers, staff)", W),
    ("post", "/events/{event_id}/publish"): ("publishEvent", "Publish a draft", (*R, 409)),
    ("post", "/events/{event_id}/cancel"): ("cancelEvent", "Cancel an event; registered members are told",
                                            (*R, 409)),
    ("get", "/events/{event_id}/registrations"): (
        "listRegistrations", "Registrations: all for organizers and staff, a member's own otherwise", (*R, 422)),
    ("post", "/events/{event_id}/registrations"): (
        "createRegistration", "Answer yes, maybe or no (again: changes the same registration)", W),
    ("get", "/events/{event_id}/summary"): ("getEventSummary", "Counts by status, check-ins, sides", R),
    ("get", "/events/{event_id}/feedback"): (
        "getEventFeedback", "Feedback results of those checked in, small counts suppressed, no names", R),
    ("post", "/events/{event_id}/invitations"): ("sendInvitations", "Invite an audience, each in their language", W),
    ("patch", "/registrations/{registration_id}"): ("updateRegistration", "Change an answer, or withdraw", W),
    ("post", "/registrations/{registration_id}/check-in"): ("checkInRegistration", "Record arrival",
                                                            (*R, 409)),
    ("post", "/registrations/{registration_id}/take-offer"): (
        "takeOffer", "Take the seat offered from the waitlist before the offer expires", (*R, 409)),
    ("get", "/audit"): ("listAuditEntries", "Who changed a member's record or an event, and how (staff; "
                                           "organizers for their events)", (403, 404, 422)),
    ("get", "/reports/returnees"): ("getReturneeReport", "Who came back to Japan as a researcher, student or employee",
                                    (403, 422)),
    ("get", "/registrations/{registration_id}/certificate.pdf"): (
        "getAttendanceCertificate", "The certificate of attendance of someone checked in (PDF)", (*R, 409)),
    ("get", "/participations/{participation_id}/certificate.pdf"): (
        "getParticipationCertificate", "The certificate of participation in a programme (PDF)", (*R, 409)),
    ("post", "/registrations/{registration_id}/invitation-letter"): (
        "requestInvitationLetter", "A forum delegate asks for an invitation letter for a visa", W),
    ("get", "/registrations/{registration_id}/invitation-letter.pdf"): (
        "getInvitationLetter", "The issued invitation letter (PDF)", (*R, 409)),
    ("post", "/documents/{document_id}/issue"): ("issueInvitationLetter", "Issue a requested letter (staff)", W),
    ("post", "/documents/{document_id}/revoke"): ("revokeDocument", "Revoke a document (staff)", W),
    ("get", "/events/{event_id}/badges.pdf"): ("getBadges", "A forum's name badges, A4 sheets of 8 (PDF)", R),
    ("post", "/update-rounds"): ("startUpdateRound", "Ask an audience to confirm or update their records",
                                 (403, 404, 422)),
    ("get", "/update-rounds/{round_id}"): ("getUpdateRound", "An update round's figures, by country and cohort", R),
    ("get", "/reports/dispatches"): ("getDispatchReport", "Participations per fiscal year, short and mid/long-term",
                                     (403, 422)),
}


#: Other media types an operation answers in (flask-smorest documents one per status).
EXTRA_CONTENT = {
    "getReturneeReport": {"200": {"text/csv": {"schema": {"type": "string", "format": "binary"}}}},
}


def error_response(status: int) -> dict[str, Any]:
    return {"description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}


class OperationDocs(BasePlugin):
    """An apispec plugin: fills each operation from OPERATIONS as flask-smorest registers it.
    A route missing from the table keeps what flask-smorest gave it (the test names it)."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs) -> None:
        if not path or not operations or not path.startswith(self.prefix):
            return
        for method, operation in operations.items():
            entry = OPERATIONS.get((method, path[len(self.prefix):]))
            if entry is None:
                continue
            operation_id, summary, statuses = entry
            written = operation.get("summary")
            if written and written != summary:
                # The view's docstring says more: keep it as the description.
                operation["description"] = "\n\n".join(
                    part for part in (written, operation.get("description")) if part)
            operation["operationId"] = operation_id
            operation["summary"] = summary
            public = bool(statuses) and statuses[0] is None
            unknown_fields = (422,) if "requestBody" in operation else ()  # a body's unknown field
            errors = sorted({*ALWAYS, *(() if public else AUTH), *unknown_fields,
                             *(s for s in statuses if s is not None)})
            responses = operation.setdefault("responses", {})
            for status in errors:
                responses[str(status)] = error_response(status)
            for status, content in EXTRA_CONTENT.get(operation_id, {}).items():
                answer = responses.get(status) or responses[int(status)]  # flask-smorest keys by int
                answer.setdefault("content", {}).update(content)
            if public and "security" not in operation:
                # A token is optional: anonymous callers are answered too (an organizer's token shows drafts).
                operation["security"] = [{}, {"bearer": []}]


__all__ = ["OPERATIONS", "OperationDocs", "error_response"]
