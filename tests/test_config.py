"""Each setting has one default, in alumni/config.py; the code reads the app's value."""
from __future__ import annotations

import smtplib
from types import SimpleNamespace

from alumni.config import Config, DevelopmentConfig, TestingConfig
from alumni.services import outbox


def test_page_cache_and_mail_timeout_have_one_default_each(monkeypatch):
    monkeypatch.delenv("PAGE_CACHE_SECONDS", raising=False)
    monkeypatch.delenv("MAIL_TIMEOUT", raising=False)
    assert Config.PAGE_CACHE_SECONDS == 5 and DevelopmentConfig.PAGE_CACHE_SECONDS == 5
    assert TestingConfig.PAGE_CACHE_SECONDS == 0  # the testing mode's own choice, not a second default
    assert Config.MAIL_TIMEOUT == 30
    assert not hasattr(outbox, "SMTP_TIMEOUT")


def test_the_smtp_connection_uses_the_apps_mail_timeout(app, monkeypatch):
    seen = {}

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            seen["timeout"] = timeout

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 7)
    mail = SimpleNamespace(server="smtp.example.org", port=25, use_ssl=False, use_tls=False, username=None,
                           password=None)
    with app.app_context():
        outbox._TimeoutConnection(mail).configure_host()
    assert seen == {"timeout": 7}


def test_the_page_cache_reads_the_apps_setting(app, monkeypatch):
    from alumni.web import pagecache

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 42)
    with app.test_request_context("/"):
        assert pagecache._seconds() == 42
