"""Headers every answer carries, the health check, and the request id."""
import json
import logging

from alumni.web.hardening import JsonLogFormatter


def test_security_headers_on_pages_and_api(client):
    for url in ("/", "/login", "/api/v1/programmes", "/no-such-page"):
        r = client.get(url)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_script_in_pages(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


def test_healthz_checks_the_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok", "database": "ok"}


def test_request_id_is_echoed_or_made(client):
    assert client.get("/", headers={"X-Request-ID": "abc123"}).headers["X-Request-ID"] == "abc123"
    made = client.get("/").headers["X-Request-ID"]
    assert len(made) == 32


def test_log_lines_are_json_with_the_request_id():
    record = logging.LogRecord("alumni.access", logging.INFO, __file__, 1, "request", None, None)
    record.request_id, record.status, record.path = "abc", 200, "/"
    line = json.loads(JsonLogFormatter().format(record))
    assert line["request_id"] == "abc" and line["status"] == 200 and line["message"] == "request"


def test_secret_key_required_outside_development(monkeypatch):
    import pytest

    from alumni import create_app
    from alumni.config import Config

    monkeypatch.setattr(Config, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
