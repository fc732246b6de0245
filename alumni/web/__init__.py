"""Blueprints for pages."""
from __future__ import annotations

from flask import Flask


def init_web(app: Flask) -> None:
    from alumni.web import auth, main
    from alumni.web import staff

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.context_processor(main.template_globals)
