"""The JSON API under /api/v1 (flask-smorest: one marshmallow schema gives validation and the
OpenAPI document). Views only adapt: parse, check permission, call a service, commit, answer."""
from __future__ import annotations

from flask import Flask, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint

from alumni.api import (
    audit,
    chapters,
    documents,
    duplicates,
    events,
    institutions,
    invitations,
    members,
    programmes,
    registrations,
    reports,
    rounds,
)
from alumni.api.common import API_PREFIX
from alumni.api.docs import OperationDocs
from alumni.api.schemas import ApiErrorSchema, document_role_dependent_shapes
from alumni.extensions import csrf, db


class Api(_Api):
    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self):
        """Errors are answered by alumni.api.handle_api_error (JSON under /api, pages elsewhere)."""


api = Api()


def init_api(app: Flask) -> None:
    api.init_app(app, spec_kwargs={
        "servers": [{"url": "/"}],
        "info": {"description": "Members, careers, returns to Japan, chapters and institutions of "
                                "the Sakura Science Club."},
    })
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})

    docs_plugin = OperationDocs(API_PREFIX)
    docs_plugin.init_spec(api.spec)
    api.spec.plugins.append(docs_plugin)

    @app.after_request
    def record_token_use(response):
        """Keep the token's `last_used_at` written by `user_for_token` (a read-only request
        commits nothing else). A failed or still-streaming answer leaves it to the next one."""
        if request.environ.get("alumni.token_touched") and response.status_code < 400 \
                and not response.is_streamed:
            db.session.commit()
        return response
    api.spec.options["security"] = [{"bearer": []}]
    for module in (programmes, chapters, institutions, members,
                   events, registrations, reports, invitations, audit, documents, rounds, duplicates):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + module.PREFIX)
        csrf.exempt(module.blp)

    document_role_dependent_shapes(api.spec)


__all__ = ["Blueprint", "api", "init_api"]
