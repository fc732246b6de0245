"""select_locale (alumni/i18n.py) does not hide a database error behind the default language."""
from __future__ import annotations

import pytest
from flask import Flask, session
from sqlalchemy.exc import OperationalError

from alumni.extensions import login_manager
from alumni.i18n import select_locale


def test_a_database_error_loading_the_user_is_not_swallowed(app, monkeypatch):
    def broken_loader(_user_id):
        raise OperationalError("SELECT users", {}, Exception("server closed the connection"))

    monkeypatch.setattr(login_manager, "_user_callback", broken_loader)
    with app.test_request_context("/", headers={"Accept-Language": "ja"}):
        session["_user_id"] = "1:0"
        with pytest.raises(OperationalError):
            select_locale()


def test_an_app_without_a_login_manager_still_chooses_from_the_request():
    bare = Flask(__name__)
    with bare.test_request_context("/", headers={"Accept-Language": "ja"}):
        assert select_locale() == "ja"
