"""GET /chapters."""
from flask_smorest import Blueprint

from alumni.api.schemas import ChapterPage, PageArgsSchema
from alumni.services.chapters import list_chapters
from alumni.services.paging import paginate

PREFIX = "/chapters"
blp = Blueprint("api_chapters", __name__, description="Alumni chapters")


@blp.route("")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ChapterPage)
@blp.doc(security=[])
def chapters_list(args):
    items, total = paginate(list_chapters(), args["page"], args["per_page"])
    return {"items": items, "total": total}
