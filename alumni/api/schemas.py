"""marshmallow schemas: the shapes of INTERFACES.md. They check types and shape; the rules
(country codes, fiscal years, …) are checked once, in the service layer."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from alumni.models import CareerRole, Direction, InstitutionKind, ReturnPurpose, Visibility


class Integer(fields.Integer):
    """Every integer the API reads: beyond the 32-bit range of our columns it is a 422 naming the
    field (alumni.services.paging.bounded_int's range), never a database error. Loaded fields use
    this, not fields.Integer (tests/test_crafted_input.py checks every schema)."""

    def _validated(self, value):
        from alumni.services.paging import INT_MAX, INT_MIN

        result = super()._validated(value)
        if result is not None and not INT_MIN <= result <= INT_MAX:
            from alumni.i18n import _

            raise ma.ValidationError(_("Must be a whole number from %(low)s to %(high)s.", low=INT_MIN, high=INT_MAX))
        return result


#: Ids are 32-bit integers in both databases; anything else cannot name a row.
def Id(**kwargs):
    return Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), **kwargs)


def _values(enum_cls):
    return [m.value for m in enum_cls]


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


class ErrorDetailSchema(ma.Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.String())


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


class ChapterSchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    countries = fields.List(fields.String(), required=True)


class InstitutionSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(max=300))
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    kind = fields.String(load_default="university", validate=validate.OneOf(_values(InstitutionKind)))


class InstitutionQuerySchema(PageArgsSchema):
    country = fields.String()
    q = fields.String(metadata={"description": "part of the name"})


class MemberSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    email = fields.String(required=True)
    given_name = fields.String(required=True)
    family_name = fields.String()
    native_name = fields.String()
    family_name_first = fields.Boolean()
    country = fields.String(required=True, allow_none=True, metadata={"description": "ISO 3166-1 alpha-2"})
    preferred_language = fields.String(metadata={"description": "BCP 47: en, ja, zh-Hans, hi, …"})
    timezone = fields.String(metadata={"description": "IANA time zone"})
    field = fields.String(metadata={"description": "research field"})
    visibility = fields.String(validate=validate.OneOf(_values(Visibility)))
    calendar_url = fields.String(dump_only=True, metadata={
        "description": "the private calendar feed (the member themselves and staff only)"})
    invitations = fields.Boolean(metadata={
        "description": "invitations to events by mail; false once the member unsubscribed (shown to the "
                       "member themselves and staff only)"})


class CalendarTokenSchema(ma.Schema):
    calendar_url = fields.String(required=True)


class MemberQuerySchema(PageArgsSchema):
    country = fields.String()


class ParticipationSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    programme = fields.String(required=True, metadata={"description": "catalogue code, e.g. SSP-A"})
    fiscal_year = Integer(strict=True, validate=validate.Range(min=1900, max=2200), metadata={"description": "Japanese fiscal year; derived from start_date if left out"})
    direction = fields.String(load_default="inbound", validate=validate.OneOf(_values(Direction)))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    host_institution_id = Id(allow_none=True)
    sending_institution_id = Id(allow_none=True)


class CareerSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    organisation = fields.String(required=True)
    institution_id = Id(allow_none=True)
    country = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(_values(CareerRole)))
    title = fields.String()
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "null while current"})


class ReturnSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    purpose = fields.String(required=True, validate=validate.OneOf(_values(ReturnPurpose)))
    institution_id = Id(allow_none=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True)


ProgrammePage = page_of(ProgrammeSchema, "ProgrammePage")
ChapterPage = page_of(ChapterSchema, "ChapterPage")
InstitutionPage = page_of(InstitutionSchema, "InstitutionPage")
MemberPage = page_of(MemberSchema, "MemberPage")
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
