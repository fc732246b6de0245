"""Web defences: CSRF on every form (tested with it switched ON, as in production), CSV cells
that spreadsheets do not run, uploads bounded in size and kind, user text escaped in pages,
mail and calendars."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Member
from alumni.services import registrations as rsvc
from alumni.services.imports import COLUMNS, import_members, read_rows, write_export
from tests.factories import login, make_event, make_member, make_participation, make_return, make_token, make_user

PASSWORD = "a long enough passphrase"
#: Page routes exempt from CSRF, rule → the exempted view ("module.function"): only the one-click
#: unsubscribe (RFC 8058: a mail client POSTs it without a page).
CSRF_EXEMPT: dict[str, str] = {"/mail/unsubscribe/<token>": "alumni.web.mail.unsubscribe"}
FORMULA = '=HYPERLINK("http://evil.example","open")'


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            yield method, rule.rule


def _fill(rule: str) -> str:
    rule = rule.replace("<any(publish, cancel):action>", "publish").replace("<kind>", "careers")
    rule = rule.replace("<any(issue, revoke):action>", "issue")
    return re.sub(r"<(int:)?[a-z_]+>", lambda m: "1" if m.group(1) else "some-token", rule)


def _csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_every_form_post_without_a_token_is_refused(app, client, csrf_on):
    user = make_user("staff", password=PASSWORD)
    logged_in = app.test_client()
    r = logged_in.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": _csrf_token(logged_in)})
    assert r.status_code == 302  # with the token, the form works
    checked = 0
    for method, rule in _state_changing_rules(app):
        if rule.startswith("/api/v1") or rule in CSRF_EXEMPT:
            continue
        for who in (client, logged_in):
            r = who.open(_fill(rule), method=method, data={"email": user.email, "password": PASSWORD})
            # Refused: sent back (303) with the "form expired" message, nothing done.
            assert r.status_code == 303, f"{method} {rule} answered {r.status_code} without a CSRF token"
            with who.session_transaction() as session:
                assert any("The form had expired" in message for _c, message in session.pop("_flashes", []))
        checked += 1
    assert checked >= 20  # every form route of the site, not a handful


def test_only_the_api_is_exempt_from_csrf(app, client, csrf_on):
    """The API authenticates with bearer tokens, never cookies: a forged cross-site POST carries
    no token, so CSRF does not apply — and nothing else is exempt."""
    from alumni.extensions import csrf

    api_blueprints = {name for name in app.blueprints if name.startswith("api_")}
    assert {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints} == api_blueprints
    assert csrf._exempt_views == set(CSRF_EXEMPT.values())
    token = make_token(make_user("staff"))
    r = client.post("/api/v1/institutions", json={"name": "No CSRF needed", "country": "JP", "kind": "university"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201
    # A cookie session gives the API nobody: a logged-in browser tab cannot be abused through it.
    user = make_user("staff", password=PASSWORD)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _csrf_token(client)})
    assert client.post("/api/v1/institutions", json={"name": "X", "country": "JP", "kind": "university"}).status_code == 401


# ------------------------------------------------------------------------------------------ CSV
def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _login(client, role="staff", **kw):
    user = make_user(role, password=PASSWORD, **kw)
    login(client, user)
    return user


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_registrations_csv_neutralises_formulas(client, start):
    event = make_event("IN")
    member = make_member(given_name=f"{start}cmd|' /C calc'!A0" if start not in "\t\r" else f"{start}x",
                         native_name=FORMULA)
    rsvc.respond(event, member, "yes")
    db.session.commit()
    _login(client, "organizer", chapter="IN")
    cells = _cells(client.get(f"/manage/events/{event.id}/registrations.csv").get_data(as_text=True))
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells), cells
    assert "'" + FORMULA in cells


def test_returnee_and_overview_csv_neutralise_formulas(client, api):
    member = make_member(given_name=FORMULA, family_name="@SUM(1+1)", field="-2+3")
    make_participation(member, programme="SSP-B", start_date=date(2019, 3, 1), end_date=date(2019, 3, 20))
    make_return(member, purpose="research", start_date=date(2020, 1, 1))
    staff = _login(client)
    for text in (client.get("/staff/returnees.csv?as=research").get_data(as_text=True),
                 api.get("/reports/returnees?as=research", token=make_token(staff),
                         headers={"Accept": "text/csv"}).get_data(as_text=True),
                 client.get("/staff/overview.csv").get_data(as_text=True)):
        cells = _cells(text)
        assert not any(isinstance(c, str) and c.startswith(("=", "+", "@")) for c in cells), cells
    assert "'" + FORMULA in _cells(client.get("/staff/returnees.csv?as=research").get_data(as_text=True))


def test_members_export_is_neutralised_and_still_imports_as_a_no_op():
    names = [FORMULA, "+81 (phone-like)", "-dash", "@at", "'quoted", "'=quoted formula", "\tTab"]
    for i, name in enumerate(names):
        make_participation(make_member(given_name=name.strip() or "x", family_name=f"F{i}", field=name.strip()))
    out = io.StringIO()
    write_export(out)
    cells = _cells(out.getvalue())
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    report = import_members(list(read_rows(io.StringIO(out.getvalue()))), end_batch=db.session.commit)
    assert (report.created, report.updated, len(report.rejected)) == (0, 0, 0)
    stored = set(db.session.scalars(select(Member.given_name)))
    assert {n.strip() for n in names} <= stored


# --------------------------------------------------------------------------------------- uploads
def test_import_upload_refuses_other_kinds_of_file(client):
    _login(client)
    body = (",".join(COLUMNS) + "\n").encode()
    for name in ("members.exe", "members.xlsx", "members.html", "members"):
        r = client.post("/staff/import", data={"file": (io.BytesIO(body), name)}, content_type="multipart/form-data")
        assert r.status_code == 422 and ".csv" in r.get_data(as_text=True), name
    r = client.post("/staff/import", data={"file": (io.BytesIO(body), "members.CSV")},
                    content_type="multipart/form-data")
    assert r.status_code == 303  # queued (tests/services/test_import_jobs.py)


def test_import_upload_beyond_the_size_limit_is_413_and_writes_nothing(app, client, monkeypatch):
    _login(client)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    body = (",".join(COLUMNS) + "\n" + "big@example.org,Big,File,,IN,en,,,,,,,,,,\n" * 200).encode()
    r = client.post("/staff/import", data={"file": (io.BytesIO(body), "m.csv")}, content_type="multipart/form-data")
    assert r.status_code == 413 and "too large" in r.get_data(as_text=True)
    assert db.session.scalar(select(Member.id).where(Member.email == "big@example.org")) is None
    assert app.config["MAX_CONTENT_LENGTH"] <= 50 * 1024 * 1024


# ------------------------------------------------------------------------------ escaping of text
SCRIPT = '<script>alert("x")</script>'


def test_script_in_names_and_descriptions_stays_text_in_pages_and_calendars(client):
    event = make_event("IN", title=f"Reunion {SCRIPT}", description=f"Come {SCRIPT} & bring <b>friends</b>",
                       venue=f"Hall {SCRIPT}")
    member = make_member(given_name=SCRIPT, family_name="<img src=x onerror=alert(1)>", visibility="public")
    rsvc.respond(event, member, "yes")
    db.session.commit()
    pages = [client.get(f"/events/{event.id}"), client.get("/events"), client.get(f"/members/{member.id}")]
    _login(client, "organizer", chapter="IN")
    pages.append(client.get(f"/manage/events/{event.id}"))
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert SCRIPT not in html and "<img src=x" not in html and "<b>friends</b>" not in html
    assert "&lt;script&gt;" in pages[0].get_data(as_text=True)
    import icalendar

    ics = client.get(f"/events/{event.id}.ics").get_data()
    (vevent,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == f"Reunion {SCRIPT}"  # the text as typed, plain text
    assert "X-ALT-DESC" not in vevent  # no HTML part a calendar would render


def test_script_in_a_name_stays_text_in_mail(mailbox):
    from alumni.services.account_mail import queue_account_mail
    from alumni.services.membership import prepare_claim
    from tests.factories import deliver_mail

    member = make_member(given_name=SCRIPT, family_name="<b>Bold</b>")
    outcome = prepare_claim(member, actor=make_user("staff"))
    queue_account_mail(outcome)
    db.session.commit()
    deliver_mail()
    (mail,) = mailbox.to(member.email)
    assert SCRIPT not in mail.html() and "<b>Bold</b>" not in mail.html()
    assert "&lt;script&gt;" in mail.html()
    assert SCRIPT in mail.text()  # the plain-text part shows the name as typed


def test_import_upload_that_is_not_csv_is_a_message_not_a_500(client):
    """Regression (found by hypothesis): a cell beyond the csv module's size limit raised
    csv.Error through the page."""
    _login(client)
    body = (",".join(COLUMNS) + '\n"' + "x" * 140_000 + '"\n').encode()
    r = client.post("/staff/import", data={"file": (io.BytesIO(body), "m.csv")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "not valid CSV" in r.get_data(as_text=True)  # the first row: told at once
