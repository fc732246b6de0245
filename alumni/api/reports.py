"""The programme's reports (staff): returnees and dispatches."""
from __future__ import annotations

import io

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from alumni.api.common import forbid_unless, require_actor
from alumni.api.schemas import Country, Integer, PageArgsSchema
from alumni.dbpool import reads_without_transaction
from alumni.models import Direction
from alumni.permissions import can_view_reports
from alumni.services import csvsafe
from alumni.services import reports as svc

PREFIX = "/reports"
blp = Blueprint("api_reports", __name__, description="Reports on the programme's outcomes (staff)")


class ReturneeQuerySchema(PageArgsSchema):
    as_ = fields.String(data_key="as", load_default="research",
                        validate=validate.OneOf(list(svc.RETURN_KINDS)),
                        metadata={"description": "came back as: research, study or employment"})
    programme = fields.String(metadata={"description": "programme of the first inbound participation"})
    country = Country(metadata={"description": "country of origin, ISO 3166-1 alpha-2"})
    fy_from = Integer(metadata={"description": "first cohort fiscal year"})
    fy_to = Integer(metadata={"description": "last cohort fiscal year"})
    field = fields.String(metadata={"description": "part of the research field"})


class ReturneeSchema(ma.Schema):
    id = fields.Integer()
    given_name = fields.String()
    family_name = fields.String()
    native_name = fields.String()
    country = fields.String(allow_none=True)
    programme = fields.String()
    fiscal_year = fields.Integer(metadata={"description": "cohort: fiscal year of the first inbound participation"})
    returned_on = fields.Date()
    days_to_return = fields.Integer()
    field = fields.String()


class CoverageSchema(ma.Schema):
    members = fields.Integer(required=True, metadata={"description": "members in the report's selection"})
    confirmed = fields.Integer(required=True, metadata={
        "description": "of them, members who confirmed their record within the last 24 months"})
    share = fields.Float(required=True, metadata={"description": "confirmed / members (0 when there are none)"})


class ReturneeReportSchema(ma.Schema):
    total = fields.Integer(required=True)
    median_days_to_return = fields.Float(allow_none=True)
    by_country = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_programme = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_fiscal_year = fields.Dict(keys=fields.String(), values=fields.Integer())
    members = fields.List(fields.Nested(ReturneeSchema))
    coverage = fields.Nested(CoverageSchema, required=True, metadata={
        "description": "what the figures rest on: the selection's members confirmed within 24 months"})
    page = fields.Integer()
    per_page = fields.Integer()


class DispatchQuerySchema(ma.Schema):
    direction = fields.String(load_default="outbound", validate=validate.OneOf([d.value for d in Direction]))


class DispatchYearSchema(ma.Schema):
    total = fields.Integer()
    short_term = fields.Integer(metadata={"description": "stays of 30 days or less, counting both ends"})
    mid_long_term = fields.Integer()


class DispatchReportSchema(ma.Schema):
    direction = fields.String()
    fiscal_years = fields.Dict(keys=fields.String(), values=fields.Nested(DispatchYearSchema))


def returnees_csv(filters) -> Response:
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\n")
    writer.writerow(svc.RETURNEE_CSV_COLUMNS)
    for row in svc.iter_returnees(filters):
        writer.writerow(["" if row[c] is None else row[c] for c in svc.RETURNEE_CSV_COLUMNS])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="returnees-{filters.kind}.csv"'})


@blp.route("/returnees")
class Returnees(MethodView):
    @blp.arguments(ReturneeQuerySchema, location="query")
    @blp.response(200, ReturneeReportSchema)
    @blp.alt_response(200, content_type="text/csv", description="every returnee, with Accept: text/csv",
                      success=True)
    def get(self, args):
        """Who came back to Japan as a researcher, student or employee (PRODUCT.md's definition)."""
        actor = require_actor()
        forbid_unless(can_view_reports(actor))
        filters = svc.clean_returnee_filters({**args, "as": args.pop("as_")})
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            return returnees_csv(filters)
        report = svc.summarise_returnees(filters)
        report["members"] = svc.list_returnees(filters, args["page"], args["per_page"])
        report.update(page=args["page"], per_page=args["per_page"])
        return report


@blp.route("/dispatches")
class Dispatches(MethodView):
    @blp.arguments(DispatchQuerySchema, location="query")
    @blp.response(200, DispatchReportSchema)
    @reads_without_transaction  # one SELECT (after the token's): no BEGIN/ROLLBACK round trips
    def get(self, args):
        """Participations per fiscal year in one direction, short-term (≤ 30 days) and mid/long-term."""
        actor = require_actor()
        forbid_unless(can_view_reports(actor))
        return svc.dispatches(args["direction"])
