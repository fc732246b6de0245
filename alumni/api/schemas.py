"""marshmallow schemas: the shapes of INTERFACES.md. They check types and shape; the rules
(country codes, fiscal years, …) are checked once, in the service layer."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from alumni.i18n import LANGUAGES, _
from alumni.models import CareerRole, Direction, InstitutionKind, ReturnPurpose, Visibility
from alumni.services.paging import INT_MAX, INT_MIN


class Integer(fields.Integer):
    """Every integer the API reads: beyond the 32-bit range of our columns it is a 422 naming the
    field (alumni.services.paging.bounded_int's range), never a database error. Loaded fields use
    this, not fields.Integer (tests/test_crafted_input.py checks every schema)."""

    def _validated(self, value):
        result = super()._validated(value)
        if result is not None and not INT_MIN <= result <= INT_MAX:
            raise ma.ValidationError(_("Must be a whole number from %(low)s to %(high)s.", low=INT_MIN, high=INT_MAX))
        return result


#: Ids are 32-bit integers in both databases; anything else cannot name a row.
def Id(**kwargs):
    return Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), **kwargs)


def _values(enum_cls):
    return [m.value for m in enum_cls]


#: The rule of alumni.services.validation.text for single-line fields (no line breaks).
SINGLE_LINE = r"^[^\r\n]*$"
#: A local date and time without offset, as the event fields take it (2026-01-17T18:00:00).
LOCAL_DATETIME = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"


def Text(max_length: int, *, single_line: bool = True, **kwargs):
    """A text field as the service layer checks it: at most `max_length` characters (after
    trimming) and, unless multi-line, no line breaks — both stated in the document."""
    metadata = dict(kwargs.pop("metadata", {}))
    if single_line:
        metadata.setdefault("pattern", SINGLE_LINE)
        metadata["description"] = "; ".join(filter(None, (metadata.get("description"), "one line, no line breaks")))
    return fields.String(validate=validate.Length(max=max_length), metadata=metadata, **kwargs)


def Country(**kwargs):
    """An ISO 3166-1 alpha-2 code (case does not matter on input; answers are upper case)."""
    metadata = {"description": "ISO 3166-1 alpha-2, e.g. JP, IN", "pattern": "^[A-Za-z]{2}$",
                **kwargs.pop("metadata", {})}
    return fields.String(metadata=metadata, **kwargs)


def Language(**kwargs):
    # Documented as an enum; the service also takes other spellings of the same tags (zh_hans).
    metadata = {"description": "BCP 47 tag", "enum": list(LANGUAGES), **kwargs.pop("metadata", {})}
    return fields.String(metadata=metadata, **kwargs)


class StrictSchema(ma.Schema):
    """Every request body of the API is one of these: a field it does not know is a 422 that
    names it (`{"error": {"code": "invalid", "fields": {NAME: "Unknown field."}}}`), never
    silently dropped; the document says so (`additionalProperties: false`)."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class NoBodySchema(StrictSchema):
    """The body of an action that takes none (publish, cancel, check-in, a new calendar URL):
    absent, or an empty object — any field in it is unknown."""


class ErrorDetailSchema(ma.Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # The error body's "fields" key; it shadows marshmallow's Schema.fields (a dict) for mypy only.
    fields = fields.Dict(keys=fields.String(), values=fields.String())  # type: ignore[assignment]


class ApiErrorSchema(ma.Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class PageArgsSchema(StrictSchema):
    page = Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = Integer(load_default=20, validate=validate.Range(min=1, max=100))


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The list answer: {"items": [...], "total": N}."""
    return type(name, (ma.Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
    })


class ProgrammeSchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    max_days = Integer(allow_none=True)
    both_directions = fields.Boolean()


def Names(max_length: int, **kwargs):
    """{language: name}: a thing's name in other languages than its own (a blank name = none)."""
    metadata = {"description": "the name in other languages, e.g. {\"ja\": \"東京大学\"}; a blank name removes one",
                **kwargs.pop("metadata", {})}
    return fields.Dict(keys=Language(), values=Text(max_length), metadata=metadata, **kwargs)


class ChapterSchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    language = Language(metadata={"description": "BCP 47 tag of name"})
    names = Names(200)
    countries = fields.List(fields.String(), required=True)


class InstitutionSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = Text(300, required=True)
    language = Language(metadata={"description": "BCP 47 tag of name (as the institution writes it); default en"})
    names = Names(300)
    country = Country(required=True)
    kind = fields.String(load_default="university", validate=validate.OneOf(_values(InstitutionKind)))
    ror_id = fields.String(allow_none=True, validate=validate.Length(max=100), metadata={
        "description": "its Research Organization Registry id, bare (057zh3y96) or as https://ror.org/057zh3y96 "
                       "(answered bare); ORCID imports match organisations by it"})


class InstitutionNamingSchema(StrictSchema):
    """What PATCH /institutions/{id} changes: its names in other languages (the whole map), the
    language of its name and its ROR id. The name itself stays (institutions are matched by it)."""
    language = Language(metadata={"description": "BCP 47 tag of name"})
    names = Names(300)
    ror_id = fields.String(allow_none=True, validate=validate.Length(max=100), metadata={
        "description": "its Research Organization Registry id; null clears it"})


class InstitutionQuerySchema(PageArgsSchema):
    country = Country()
    q = fields.String(metadata={"description": "part of the name"})


class MemberPublicSchema(ma.Schema):
    """What a member shows of themselves to other members (where their visibility allows)."""
    id = fields.Integer(required=True)
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    native_name = fields.String(required=True)
    family_name_first = fields.Boolean(required=True)
    country = fields.String(required=True, allow_none=True, metadata={"description": "ISO 3166-1 alpha-2"})
    field = fields.String(required=True, metadata={"description": "research field"})

    class Meta:
        ordered = True
        unknown = ma.RAISE  # documented as additionalProperties: false — never a full record


class MemberSchema(StrictSchema):
    """The full record: what the member themselves and staff see, and what they send."""
    id = fields.Integer(dump_only=True)
    email = fields.String(required=True, validate=validate.Length(max=254), metadata={"format": "email"})
    given_name = Text(200, required=True)
    family_name = Text(200)
    native_name = Text(300, metadata={"description": "the name in the member's own script"})
    family_name_first = fields.Boolean()
    country = Country(required=True, allow_none=True)
    preferred_language = Language(metadata={"description": "BCP 47: en, ja, zh-Hans, hi, …"})
    timezone = fields.String(validate=validate.Length(max=64), metadata={"description": "IANA time zone, e.g. Asia/Tokyo"})
    field = Text(200, metadata={"description": "research field"})
    visibility = fields.String(validate=validate.OneOf(_values(Visibility)))
    pending_email = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "a new address asked for by the member; `email` changes once it confirms the link "
                       "mailed to it (the member themselves and staff only)"})
    calendar_url = fields.String(dump_only=True, metadata={
        "description": "the private calendar feed (the member themselves and staff only)"})
    confirmed_at = fields.DateTime(dump_only=True, allow_none=True, metadata={
        "description": "when the member last confirmed their record (an update round's link, or saving "
                       "their own profile); null: never (the member themselves and staff only)"})
    invitations = fields.Boolean(metadata={
        "description": "invitations to events by mail; false once the member unsubscribed (shown to the "
                       "member themselves and staff only)"})
    orcid = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "the member's linked ORCID iD as its https://orcid.org/… URL, null if none is linked "
                       "(the member themselves and staff only; present where the service is set up for ORCID)"})


class MemberViewSchema(MemberSchema):
    """A member as the caller may see them: documented as one of Member (the member themselves,
    staff) or MemberPublic (everyone else); see document_role_dependent_shapes."""


class CalendarTokenSchema(ma.Schema):
    calendar_url = fields.String(required=True)


class MemberQuerySchema(PageArgsSchema):
    country = Country()


class ParticipationSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    programme = Text(16, required=True, metadata={"description": "catalogue code, e.g. SSP-A"})
    fiscal_year = Integer(strict=True, validate=validate.Range(min=1900, max=2200), metadata={"description": "Japanese fiscal year (April to March) of start_date; derived from it if left out, refused if it disagrees"})
    direction = fields.String(load_default="inbound", validate=validate.OneOf(_values(Direction)))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True, metadata={"description": "not before start_date"})
    host_institution_id = Id(allow_none=True)
    sending_institution_id = Id(allow_none=True)


class CareerSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    organisation = Text(300, required=True)
    institution_id = Id(allow_none=True)
    country = Country(required=True)
    role = fields.String(required=True, validate=validate.OneOf(_values(CareerRole)))
    title = Text(200)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "null while current; not before start_date"})


class ReturnSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    purpose = fields.String(required=True, validate=validate.OneOf(_values(ReturnPurpose)))
    institution_id = Id(allow_none=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "not before start_date"})


ProgrammePage = page_of(ProgrammeSchema, "ProgrammePage")
ChapterPage = page_of(ChapterSchema, "ChapterPage")
InstitutionPage = page_of(InstitutionSchema, "InstitutionPage")
MemberPage = page_of(MemberViewSchema, "MemberPage")
ParticipationPage = page_of(ParticipationSchema, "ParticipationPage")
CareerPage = page_of(CareerSchema, "CareerPage")
ReturnPage = page_of(ReturnSchema, "ReturnPage")


def patch_of(schema_cls: type[ma.Schema]) -> ma.Schema:
    """The same fields, all optional (PATCH), under a name of its own in the OpenAPI document."""
    name = schema_cls.__name__.replace("Schema", "PatchSchema")
    return type(name, (schema_cls,), {})(partial=True)


MemberPatch = patch_of(MemberSchema)
ParticipationPatch = patch_of(ParticipationSchema)
CareerPatch = patch_of(CareerSchema)
ReturnPatch = patch_of(ReturnSchema)


def document_role_dependent_shapes(spec) -> None:
    """A member is answered as their full record or as their public profile, by who asks:
    the document says so with oneOf (a full record has `email`, a profile never does)."""
    spec.components.schema("MemberPublic", schema=MemberPublicSchema)
    spec.components.schemas["MemberView"] = {
        "description": (MemberViewSchema.__doc__ or "").split(":")[0] + ": the full record (the member themselves, "
                       "staff) or the public profile (everyone else).",
        "oneOf": [{"$ref": "#/components/schemas/Member"}, {"$ref": "#/components/schemas/MemberPublic"}],
    }


# ---------------------------------------------------------------- duplicates and merges (issue 21)
class DuplicateQuerySchema(PageArgsSchema):
    min_score = fields.Float(load_default=None, validate=validate.Range(min=0, max=1),
                             metadata={"description": "Lowest score listed (default 0.75)."})


class DuplicateSchema(ma.Schema):
    member_ids = fields.List(fields.Integer(), required=True, metadata={"description": "The two members, lower id first."})
    score = fields.Float(required=True, metadata={"description": "0–1: how strongly they look like one person."})
    reasons = fields.List(fields.String(), required=True, metadata={
        "description": "Why: same_email, other_email, same_name, name_other_script, family_first_order, "
                       "similar_spelling, same_country, overlapping_participation."})


DuplicatePage = page_of(DuplicateSchema, "DuplicatePage")


class MergeSchema(StrictSchema):
    duplicate_id = Id(required=True, metadata={"description": "The member merged into this one, then gone."})
    choices = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(["kept", "duplicate"])),
                          load_default=dict, metadata={
                              "description": "Per field, whose value the kept record takes: "
                                             "\"kept\" (default) or \"duplicate\"."})


class MergeResultSchema(ma.Schema):
    merge_id = fields.Integer(required=True)
    member = fields.Dict(required=True, metadata={"description": "The kept member's full record."})


class MergeUndoSchema(ma.Schema):
    merge_id = fields.Integer(required=True)
    undone_at = fields.DateTime(required=True)
    member_ids = fields.List(fields.Integer(), required=True, metadata={"description": "Both members, back."})
