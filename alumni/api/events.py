"""Events, their registrations and summary: /events, /events/{id}, …/publish, …/cancel,
…/registrations, …/summary. Organizers manage their chapter's events; staff all; members
answer for themselves."""
from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from alumni.api.common import commit, current_actor, forbid_unless, require_actor
from alumni.api.schemas import (
    LOCAL_DATETIME,
    Country,
    Integer,
    Language,
    NoBodySchema,
    PageArgsSchema,
    StrictSchema,
    Text,
    page_of,
)
from alumni.errors import Invalid, NotFound
from alumni.i18n import _
from alumni.models import EventKind, EventStatus, QuestionForm, QuestionKind, RegistrationStatus, Response
from alumni.permissions import (
    can_act_for,
    can_create_event,
    can_manage_event,
    can_respond_for,
    can_view_event,
)
from alumni.services import events as svc
from alumni.services import feedback as fsvc
from alumni.services import questions as qsvc
from alumni.services import registrations as rsvc
from alumni.services.chapters import get_chapter
from alumni.services.events import MAX_LENGTH
from alumni.services.members import get_member
from alumni.services.paging import paginate

PREFIX = "/events"
blp = Blueprint("api_events", __name__, description="Reunions, forums and webinars; RSVPs and summaries")


class TranslationSchema(ma.Schema):
    title = Text(MAX_LENGTH["title"])
    description = Text(MAX_LENGTH["description"], single_line=False)


class AnswerOptionsSchema(ma.Schema):
    options = fields.List(fields.String(validate=validate.OneOf([*(r.value for r in Response), "withdraw"])),
                          metadata={"description": "what the caller may answer now: yes, maybe, no "
                                                   "(POST …/registrations) and withdraw (PATCH /registrations/{id})"})
    closed = fields.Boolean(metadata={"description": "the deadline has passed: yes and maybe are no longer taken"})
    yes_joins_waitlist = fields.Boolean(metadata={"description": "no seat is free: a yes joins the waitlist"})


class ShowIfSchema(StrictSchema):
    question = fields.Raw(required=True, metadata={
        "description": "the id of another question of the event (or, for a question added in the same "
                       "request, its label)", "oneOf": [{"type": "integer"}, {"type": "string"}]})
    value = Text(qsvc.MAX_LABEL, required=True, metadata={
        "description": "the answer that shows this question: an option, or yes / no"})


class OptionSchema(StrictSchema):
    value = Text(qsvc.MAX_LABEL, required=True, metadata={
        "description": "the option in the event's language: what an answer gives"})
    label = fields.Dict(keys=Language(), values=Text(qsvc.MAX_LABEL),
                        metadata={"description": "the option in each language"})


class QuestionSchema(StrictSchema):
    id = Integer(allow_none=True, metadata={"description": "left out: a new question; "
                                                          "questions left out of the list are deleted"})
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in QuestionKind]))
    label = fields.Dict(keys=Language(), values=Text(qsvc.MAX_LABEL), required=True,
                        metadata={"description": "{lang: text}; the event's language is required"})
    options = fields.List(fields.Nested(OptionSchema), metadata={"description": "choice questions: 2 or more"})
    required = fields.Boolean()
    show_if = fields.Nested(ShowIfSchema, allow_none=True,
                            metadata={"description": "asked only if that question's answer is this value"})


class EventSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True, validate=validate.OneOf([s.value for s in EventStatus]))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in EventKind]))
    title = Text(MAX_LENGTH["title"], required=True)
    description = Text(MAX_LENGTH["description"], single_line=False, metadata={"description": "several lines allowed"})
    language = Language(metadata={"description": "BCP 47 tag of title and description"})
    translations = fields.Dict(keys=Language(), values=fields.Nested(TranslationSchema))
    starts_at = fields.String(required=True, metadata={
        "description": "local ISO 8601 without offset, e.g. 2026-01-17T18:00:00", "pattern": LOCAL_DATETIME})
    ends_at = fields.String(metadata={"description": "local ISO 8601 without offset; not before starts_at",
                                      "pattern": LOCAL_DATETIME})
    timezone = fields.String(required=True, validate=validate.Length(max=64),
                             metadata={"description": "IANA time zone, e.g. Asia/Kolkata"})
    all_day = fields.Boolean(metadata={"description": "whole days, from the start day to the end day"})
    venue = Text(MAX_LENGTH["venue"], metadata={"description": "a venue, an online_url, or both are required"})
    country = Country(allow_none=True, metadata={"description": "venue's ISO 3166-1 alpha-2"})
    online_url = Text(MAX_LENGTH["online_url"], metadata={"description": "an https:// (or http://) link; answered only to those with a seat (a yes), the event's organizers and staff, absent for anyone else", "pattern": r"^(https?://\S*)?$"})
    capacity = Integer(allow_none=True, validate=validate.Range(min=0, max=svc.MAX_CAPACITY),
                              metadata={"description": "null = unlimited"})
    side_quotas = fields.Dict(keys=Text(MAX_LENGTH["side"]), values=Integer(validate=validate.Range(min=0, max=svc.MAX_CAPACITY)),
                              metadata={"description": "seats per side, e.g. {\"IN\": 40, \"JP\": 40}",
                                        "maxProperties": svc.MAX_SIDES})
    offer_hours = Integer(allow_none=True, validate=validate.Range(min=1, max=svc.MAX_OFFER_HOURS), metadata={
        "description": "waitlist offers: a freed seat is offered to the next waitlisted member for this many "
                       "hours; null (the default) = promoted at once"})
    registration_deadline = fields.String(allow_none=True, metadata={
        "description": "local ISO 8601; not after ends_at", "pattern": LOCAL_DATETIME})
    answers_retention_days = Integer(validate=validate.Range(min=0, max=qsvc.MAX_RETENTION_DAYS), metadata={
        "description": "answers to the questions are deleted this many days after the event ends (default 90)"})
    questions = fields.List(fields.Nested(QuestionSchema), metadata={
        "description": "registration questions asked of a yes or maybe, in order; a write replaces the list"})
    feedback_questions = fields.List(fields.Nested(QuestionSchema), metadata={
        "description": "feedback questions asked after the event of those checked in, in order, the same shape as "
                       "questions; a write replaces the list"})
    feedback_after_hours = Integer(allow_none=True, validate=validate.Range(
        min=0, max=qsvc.MAX_FEEDBACK_AFTER_HOURS), metadata={
        "description": "the feedback request goes to those checked in this many hours after the end; null (the "
                       "default) = only when an organizer sends it"})
    chapter = fields.String(required=True, metadata={"description": "chapter code"})
    sequence = fields.Integer(dump_only=True, metadata={"description": "bumped on each change of time, place or status"})
    updated_at = fields.DateTime(dump_only=True)
    starts_at_utc = fields.DateTime(dump_only=True)
    places_left = fields.Integer(dump_only=True, allow_none=True)
    answer_options = fields.Nested(AnswerOptionsSchema, dump_only=True, metadata={
        "description": "GET /events/{id} with a member's token: the answers that member may give now "
                       "(the same the event page offers)"})


class EventQuerySchema(PageArgsSchema):
    kind = fields.String(validate=validate.OneOf([k.value for k in EventKind]))
    chapter = fields.String()
    country = Country()
    mode = fields.String(validate=validate.OneOf(["online", "in_person"]))
    when = fields.String(validate=validate.OneOf(["upcoming", "past"]))


def ANSWERS_FIELD():
    return fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), metadata={
        "description": "{question id: answer}: text, an option's value, a list of them (multiple choice), "
                       "true/false (yes/no), a country code, a date YYYY-MM-DD; a missing required answer or an "
                       "answer to a hidden question is a 422 naming the field answers.<id>"})


class OfferSchema(ma.Schema):
    expires_at = fields.DateTime(metadata={"description": "the seat passes to the next in line after this (UTC)"})


class RegistrationSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    event_id = fields.Integer(dump_only=True)
    member_id = Integer(allow_none=True, metadata={"description": "left out: the caller's own member"})
    response = fields.String(required=True, validate=validate.OneOf([r.value for r in Response]))
    status = fields.String(dump_only=True, validate=validate.OneOf([s.value for s in RegistrationStatus]))
    waitlist_position = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "1 = next in line"})
    institution_id = Integer(allow_none=True)
    side = Text(MAX_LENGTH["side"], allow_none=True, metadata={"description": "for events with side_quotas: one of its sides"})
    answers = ANSWERS_FIELD()
    checked_in_at = fields.DateTime(dump_only=True, allow_none=True)
    promoted_at = fields.DateTime(dump_only=True, allow_none=True)
    offer = fields.Nested(OfferSchema, dump_only=True, allow_none=True, metadata={
        "description": "a seat offered from the waitlist (events with offer_hours), until expires_at: "
                       "POST /registrations/{id}/take-offer, or answer yes, takes it; null = no offer"})
    ticket_url = fields.String(dump_only=True)


class RegistrationQuerySchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in RegistrationStatus]))
    side = Text(MAX_LENGTH["side"])
    q = fields.String(metadata={"description": "part of a name, any script"})


class SideSchema(ma.Schema):
    people = fields.Integer()
    institutions = fields.Dict(keys=fields.String(), values=fields.Integer())


class QuestionCountSchema(ma.Schema):
    id = fields.Integer()
    label = fields.String()
    kind = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "per option"})


class FeedbackQuestionSchema(ma.Schema):
    id = fields.Integer()
    label = fields.String()
    kind = fields.String()
    answered = fields.Integer(metadata={"description": "how many respondents answered it"})
    counts = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "choice, yes/no and country questions: per option a count, or \"<5\" for a count "
                       "from 1 to 4 (small cells suppressed)"})
    texts = fields.List(fields.String(), allow_none=True, metadata={
        "description": "other questions: the answers, sorted, without names; null when fewer than 5 answered"})


class FeedbackSchema(ma.Schema):
    checked_in = fields.Integer()
    responses = fields.Integer()
    response_rate = fields.Float(allow_none=True, metadata={"description": "responses / checked_in, 0 to 1"})
    closes_at = fields.DateTime(metadata={"description": "answers are taken until then (30 days after the end)"})
    requested_at = fields.DateTime(allow_none=True, metadata={"description": "when the request was last sent"})
    min_cell = fields.Integer(metadata={"description": "the suppression threshold"})
    questions = fields.List(fields.Nested(FeedbackQuestionSchema))


class SummarySchema(ma.Schema):
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    checked_in = fields.Integer()
    places_left = fields.Integer(allow_none=True)
    sides = fields.Dict(keys=fields.String(), values=fields.Nested(SideSchema))
    questions = fields.List(fields.Nested(QuestionCountSchema), metadata={
        "description": "counts per option of the choice, yes/no and country questions"})


EventPage = page_of(EventSchema, "EventPage")
RegistrationPage = page_of(RegistrationSchema, "RegistrationPage")
EventPatch = type("EventPatchSchema", (EventSchema,), {})(partial=True)


def event_out(event, viewer, *, detail: bool = False, links: dict[int, str] | None = None) -> dict:
    """The event as `viewer` may see it: online_url only for those with a seat, the event's
    organizers and staff (events.online_link_for; `links`: its answers for a whole list)."""
    out = {name: getattr(event, name) for name in (
        "id", "kind", "title", "description", "language", "translations", "timezone", "all_day", "venue", "country",
        "capacity", "side_quotas", "offer_hours", "sequence", "updated_at", "answers_retention_days",
        "feedback_after_hours")}
    link = links.get(event.id, "") if links is not None else svc.online_link_for(event, viewer)
    if link:
        out["online_url"] = link
    out.update(
        status=event.status.value, kind=event.kind.value, chapter=event.chapter.code,
        starts_at=event.starts_at.isoformat(), ends_at=event.ends_at.isoformat(),
        registration_deadline=event.registration_deadline.isoformat() if event.registration_deadline else None,
        starts_at_utc=svc.starts_utc(event),
    )
    if detail:
        out["places_left"] = rsvc.places_left(event)
        out["questions"] = [qsvc.question_out(q, event) for q in qsvc.questions_of(event)]
        out["feedback_questions"] = [qsvc.question_out(q, event) for q in qsvc.questions_of(event, QuestionForm.feedback)]
    return out


def questions_in(data: dict, event_language: str | None) -> None:
    """The API's questions and feedback questions ({lang: text} labels, options with values) as
    the service takes them."""
    for key in ("questions", "feedback_questions"):
        if key in data:
            data[key] = _questions_in(data[key], event_language or data.get("language") or "en")


def _questions_in(given: list, lang: str) -> list:
    items = []
    for item in given:
        label = dict(item.get("label") or {})
        options = item.get("options") or []
        langs = set(label) | {code for opt in options for code in (opt.get("label") or {})}
        translations = {code: {"label": label.get(code, ""),
                               "options": [(opt.get("label") or {}).get(code, "") for opt in options]}
                        for code in langs if code != lang}
        out = {"kind": item["kind"], "label": label.get(lang, ""), "options": [opt["value"] for opt in options],
               "translations": translations, "required": item.get("required", False),
               "show_if": item.get("show_if")}
        if item.get("id") is not None:
            out["id"] = item["id"]
        items.append(out)
    return items


def registration_out(reg, position: int | None = None) -> dict:
    return {
        "id": reg.id, "event_id": reg.event_id, "member_id": reg.member_id, "response": reg.response.value,
        "status": reg.status.value,
        "waitlist_position": position if position is not None else rsvc.waitlist_position(reg),
        "institution_id": reg.institution_id, "side": reg.side, "checked_in_at": reg.checked_in_at,
        "promoted_at": reg.promoted_at, "answers": {str(k): val for k, val in qsvc.answers_of(reg).items()},
        "offer": {"expires_at": reg.offer_expires_at} if rsvc.offer_open(reg) else None,
        "ticket_url": current_app.config["BASE_URL"] + url_for("events.ticket", token=reg.ticket_token),
    }


def visible_event(actor, event_id: int):
    """The event if the caller may see it; a draft of another chapter answers 404 (its existence
    is not confirmed)."""
    try:
        event = svc.get_event(event_id)
    except NotFound:
        raise NotFound(_("There is no event %(id)s.", id=event_id)) from None
    if not can_view_event(actor, event):
        raise NotFound(_("There is no event %(id)s.", id=event_id))
    return event


def managed_event(actor, event_id: int):
    event = visible_event(actor, event_id)
    forbid_unless(can_manage_event(actor, event))
    return event


@blp.route("")
class Events(MethodView):
    @blp.arguments(EventQuerySchema, location="query")
    @blp.response(200, EventPage)
    def get(self, args):
        """Published and cancelled events (a token is optional); organizers also see their
        chapter's drafts, staff all drafts."""
        page, per_page = args.pop("page"), args.pop("per_page")
        stmt = svc.list_events(viewer=current_actor(), **args)
        items, total = paginate(stmt, page, per_page)
        viewer = current_actor()
        links = svc.online_links_for(list(items), viewer)
        return {"items": [event_out(e, viewer, links=links) for e in items], "total": total}

    @blp.arguments(EventSchema)
    @blp.response(201, EventSchema)
    def post(self, data):
        """Create an event (a draft) in a chapter the caller organizes."""
        actor = require_actor()
        chapter = get_chapter(data.get("chapter") or "")
        forbid_unless(can_create_event(actor, chapter))
        questions_in(data, data.get("language"))
        event = svc.create_event({**data, "chapter": chapter}, actor=actor)
        commit()
        return event_out(event, actor, detail=True)


@blp.route("/<int:event_id>")
class EventItem(MethodView):
    @blp.response(200, EventSchema)
    def get(self, event_id):
        actor = current_actor()
        event = visible_event(actor, event_id)
        out = event_out(event, actor, detail=True)
        member = actor.member if actor is not None else None
        if member is not None:
            options = rsvc.answer_options(event, rsvc.find_registration(event, member),
                                          places_left=out["places_left"])
            out["answer_options"] = {"options": options.names(), "closed": options.closed,
                                     "yes_joins_waitlist": options.yes_joins_waitlist}
        return out

    @blp.arguments(EventPatch)
    @blp.response(200, EventSchema)
    def patch(self, data, event_id):
        actor = require_actor()
        event = managed_event(actor, event_id)
        if "chapter" in data:
            chapter = get_chapter(data["chapter"])
            forbid_unless(can_create_event(actor, chapter))
            data["chapter"] = chapter
        questions_in(data, data.get("language", event.language))
        svc.update_event(event, data, actor=actor)
        commit()
        return event_out(event, actor, detail=True)


@blp.route("/<int:event_id>/publish", methods=["POST"])
@blp.arguments(NoBodySchema, required=False)
@blp.response(200, EventSchema)
def publish(_body, event_id):
    actor = require_actor()
    event = svc.publish_event(managed_event(actor, event_id), actor=actor)
    commit()
    return event_out(event, actor, detail=True)


@blp.route("/<int:event_id>/cancel", methods=["POST"])
@blp.arguments(NoBodySchema, required=False)
@blp.response(200, EventSchema)
def cancel(_body, event_id):
    actor = require_actor()
    event = svc.cancel_event(managed_event(actor, event_id), actor=actor)
    commit()
    return event_out(event, actor, detail=True)


@blp.route("/<int:event_id>/registrations")
class EventRegistrations(MethodView):
    @blp.arguments(RegistrationQuerySchema, location="query")
    @blp.response(200, RegistrationPage)
    def get(self, args, event_id):
        """All registrations for the event's organizers and staff; a member sees their own."""
        actor = require_actor()
        event = visible_event(actor, event_id)
        if can_manage_event(actor, event):
            stmt = rsvc.list_registrations(event, status=args.get("status"), side=args.get("side"), q=args.get("q"))
            items, total = paginate(stmt, args["page"], args["per_page"])
            positions = rsvc.waitlist_positions(event)
            return {"items": [registration_out(r, positions.get(r.id)) for r in items], "total": total}
        forbid_unless(actor.member_id is not None)
        own = rsvc.find_registration(event, actor.member)
        return {"items": [registration_out(own)] if own else [], "total": 1 if own else 0}

    @blp.arguments(RegistrationSchema)
    @blp.response(201, RegistrationSchema)
    @blp.alt_response(200, schema=RegistrationSchema, description="an earlier answer, changed")
    def post(self, data, event_id):
        """Answer yes / maybe / no. Answering again changes the same registration (200)."""
        actor = require_actor()
        event = visible_event(actor, event_id)
        member_id = data.pop("member_id", None) or actor.member_id
        if member_id is None:
            raise Invalid(_("%(field)s is required.", field="member_id"), field="member_id")
        try:
            member = get_member(member_id)
        except NotFound:
            member = None
        if member is None or not can_act_for(actor, member):
            # The same answer as for a member that does not exist: no probing of ids.
            raise NotFound(_("There is no member %(id)s.", id=member_id), field="member_id")
        forbid_unless(can_respond_for(actor, event, member))
        outcome = rsvc.respond(event, member, data["response"], institution_id=data.get("institution_id"),
                               side=data.get("side"), actor=actor, answers=data.get("answers"))
        commit()
        return registration_out(outcome.registration), (201 if outcome.created else 200)


@blp.route("/<int:event_id>/summary")
@blp.response(200, SummarySchema)
def summary(event_id):
    """Counts by status, check-ins, places left, and per side the people and institutions by
    kind (the seed's forum tables)."""
    actor = require_actor()
    return rsvc.summarise(managed_event(actor, event_id))


@blp.route("/<int:event_id>/feedback")
@blp.response(200, FeedbackSchema)
def feedback_results(event_id):
    """The feedback of those checked in: response rate, counts per option with counts under 5
    shown as "<5", answers to open questions only when at least 5 answered, never names."""
    actor = require_actor()
    return fsvc.results(managed_event(actor, event_id))


__all__ = ["PREFIX", "RegistrationSchema", "blp", "registration_out"]
