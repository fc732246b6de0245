"""GET /programmes — the catalogue."""
from flask_smorest import Blueprint

from alumni.api.schemas import ProgrammePage
from alumni.extensions import db
from alumni.services.programmes import list_programmes

PREFIX = "/programmes"
blp = Blueprint("api_programmes", __name__, description="The programme catalogue")


@blp.route("")
@blp.response(200, ProgrammePage)
@blp.doc(security=[])
def programmes_list():
    items = list(db.session.scalars(list_programmes()))
    return {"items": items, "total": len(items)}
