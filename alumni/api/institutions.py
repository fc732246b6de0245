"""GET, POST /institutions; PATCH /institutions/{id} (its names in other languages)."""
from flask_smorest import Blueprint

from alumni.api.common import commit, forbid_unless, require_actor
from alumni.api.schemas import InstitutionNamingSchema, InstitutionPage, InstitutionQuerySchema, InstitutionSchema
from alumni.permissions import can_create_institution, can_name_institution
from alumni.services.institutions import create_institution, get_institution, list_institutions, set_ror_id
from alumni.services.names import set_institution_names
from alumni.services.paging import paginate

PREFIX = "/institutions"
blp = Blueprint("api_institutions", __name__, description="Universities, institutes, companies and other bodies")


@blp.route("")
@blp.arguments(InstitutionQuerySchema, location="query")
@blp.response(200, InstitutionPage)
@blp.doc(security=[])
def institutions_list(args):
    stmt = list_institutions(country=args.get("country"), q=args.get("q"))
    items, total = paginate(stmt, args["page"], args["per_page"])
    return {"items": items, "total": total}


@blp.route("", methods=["POST"])
@blp.arguments(InstitutionSchema)
@blp.response(201, InstitutionSchema)
def institutions_create(data):
    actor = require_actor()
    forbid_unless(can_create_institution(actor))
    institution = create_institution(data, actor=actor)
    commit()
    return institution


@blp.route("/<int:institution_id>", methods=["PATCH"])
@blp.arguments(InstitutionNamingSchema)
@blp.response(200, InstitutionSchema)
def institutions_update_names(data, institution_id):
    actor = require_actor()
    forbid_unless(can_name_institution(actor))
    institution = get_institution(institution_id, "institution_id")
    assert institution is not None  # an id was given: get_institution raised NotFound otherwise
    if "ror_id" in data:
        set_ror_id(institution, data.pop("ror_id"), actor=actor)
    if data:
        set_institution_names(institution, data, actor)
    commit()
    return institution
