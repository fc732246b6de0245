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
    assert r.status_code == 200 and (r.json["status"], r.json["database"]) == ("ok", "ok")


def test_healthz_reports_the_workers_heartbeats_and_the_outbox_backlog(client):
    from datetime import timedelta

    from alumni.extensions import db
    from alumni.models.types import utcnow
    from alumni.services import workers
    from alumni.services.outbox import queue_many

    r = client.get("/healthz")
    assert r.json["workers"] == {"mail": {"last_beat": None, "alive": False},
                                 "scheduler": {"last_beat": None, "alive": False}}
    assert r.json["outbox"] == {"queued_due": 0}
    queue_many([{"dedup_key": f"k{i}", "kind": "test", "purpose": "account", "recipient": f"a{i}@example.org", "subject": "s",
                 "text_body": "b"} for i in range(3)])
    workers.beat("mail", workers.process_name("mail"))
    workers.beat("scheduler", workers.process_name("scheduler"), now=utcnow() - timedelta(minutes=10))
    db.session.commit()
    r = client.get("/healthz")
    assert r.status_code == 200  # no worker is not "the web is down": monitoring reads the details
    assert r.json["outbox"] == {"queued_due": 3}
    assert r.json["workers"]["mail"]["alive"] is True and r.json["workers"]["mail"]["last_beat"]
    assert r.json["workers"]["scheduler"]["alive"] is False and r.json["workers"]["scheduler"]["last_beat"]


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


def _production_app(monkeypatch):
    from alumni import create_app
    from alumni.config import Config

    monkeypatch.setattr(Config, "SECRET_KEY", "x" * 64)
    return create_app("production")


def test_hsts_in_production_only(monkeypatch, client):
    """Issue 23, item 10: browsers are told to use HTTPS only (a year, subdomains too)."""
    r = _production_app(monkeypatch).test_client().get("/language")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/language").headers  # testing: plain HTTP


def test_private_answers_are_never_stored(client, db):
    """Issue 23, item 10: `Cache-Control: no-store` on what belongs to one person — pages for a
    logged-in session, /me/export.json, every answer to an API token, links that are capabilities
    (a ticket) — and not on public pages, which caches may keep."""
    from tests.factories import logged_in, make_event, make_token

    event = make_event()
    anonymous = client.application.test_client()
    for url in ("/", "/events", f"/events/{event.id}", "/api/v1/programmes", "/static/style.css"):
        assert "no-store" not in (anonymous.get(url).headers.get("Cache-Control") or ""), url
    user = logged_in(client, "me@example.org")
    for url in ("/me", "/me/export.json", "/me/profile", "/", f"/events/{event.id}"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store", url
    token = make_token(user)
    for url in (f"/api/v1/members/{user.member_id}", "/api/v1/programmes", f"/api/v1/events/{event.id}"):
        r = anonymous.get(url, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store", url
    from alumni.services import registrations

    reg = registrations.respond(event, user.member, "yes").registration
    db.session.commit()
    assert anonymous.get(f"/tickets/{reg.ticket_token}").headers["Cache-Control"] == "no-store"
