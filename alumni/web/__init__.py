"""Blueprints for pages."""
from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    from alumni.web import main
    from alumni.web.auth import load_user  # noqa: F401  (registers the user loader)

    app.register_blueprint(main.bp)
    app.context_processor(main.template_globals)
