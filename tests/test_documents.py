"""Letters, certificates and badges (issue 22): each PDF in en, ja, hi, th and ar carries the
member's name in its own script (pdftotext) and embeds every font it uses (pdffonts); the public
verification page vouches for a genuine code and refuses a revoked or a forged one."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from alumni.extensions import db as _db
from alumni.models import Document, DocumentKind
from alumni.services import documents as dsvc
from alumni.services import registrations as rsvc
from tests.factories import make_event, make_institution, make_member, make_participation, make_token, make_user

pytestmark = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdffonts")),
                                reason="poppler-utils (pdftotext, pdffonts) not installed")

#: language -> the member's name in its own script (what pdftotext must find).
NAMES = {"en": ("Alice", "Walker", ""), "ja": ("Taro", "Yamada", "山田 太郎"), "hi": ("Rahul", "Kumar", "राहुल कुमार"),
         "th": ("Somchai", "Jaidee", "สมชาย ใจดี"), "ar": ("Mohamed", "Ali", "محمد علي")}
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return BIDI_CONTROLS.sub("", text)


def pdf_fonts(data: bytes, tmp_path) -> list[list[str]]:
    """pdffonts' rows (after the two header lines), each split on whitespace."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def assert_fonts_embedded(data: bytes, tmp_path) -> None:
    rows = pdf_fonts(data, tmp_path)
    assert rows, "no fonts at all"
    for row in rows:
        # name type… encoding emb sub uni object ID: emb is the 5th field from the end.
        assert row[-5] == "yes", f"font not embedded: {' '.join(row)}"


def member_in(lang: str):
    given, family, native = NAMES[lang]
    member = make_member(given_name=given, family_name=family, native_name=native, preferred_language=lang)
    return member, native or f"{given} {family}"


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {make_token(user)}"}


def checked_in_registration(member, **event_values):
    event = make_event("IN", **event_values)
    outcome = rsvc.respond(event, member, "yes")
    reg = getattr(outcome, "registration", outcome)
    rsvc.check_in(reg)
    _db.session.commit()
    return reg


@pytest.mark.parametrize("lang", sorted(NAMES))
def test_attendance_certificate_in_the_members_language(app, client, lang, tmp_path):
    member, name = member_in(lang)
    user = make_user("member", member=member)
    reg = checked_in_registration(member)
    r = client.get(f"/api/v1/registrations/{reg.id}/certificate.pdf", headers=bearer(user))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/pdf"
    text = pdf_text(r.data, tmp_path)
    assert name in text
    document = _db.session.query(Document).one()
    assert document.kind == DocumentKind.attendance and document.language == lang
    assert document.code in text  # the verification code is printed
    assert_fonts_embedded(r.data, tmp_path)


@pytest.mark.parametrize("lang", sorted(NAMES))
def test_participation_certificate_in_the_members_language(app, client, lang, tmp_path):
    member, name = member_in(lang)
    user = make_user("member", member=member)
    participation = make_participation(member)
    r = client.get(f"/api/v1/participations/{participation.id}/certificate.pdf", headers=bearer(user))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert name in pdf_text(r.data, tmp_path)
    assert_fonts_embedded(r.data, tmp_path)


@pytest.mark.parametrize("lang", sorted(NAMES))
def test_invitation_letter_requested_by_the_delegate_and_issued_by_staff(app, client, lang, tmp_path):
    member, name = member_in(lang)
    user, staff = make_user("member", member=member), make_user("staff")
    event = make_event("IN", kind="forum")
    reg = getattr(rsvc.respond(event, member, "yes"), "registration", None) or rsvc.respond(event, member, "yes")
    _db.session.commit()
    r = client.post(f"/api/v1/registrations/{reg.id}/invitation-letter", json={}, headers=bearer(user))
    assert r.status_code == 201, r.get_data(as_text=True)[:300]
    document_id = r.get_json()["id"]
    assert r.get_json()["issued_at"] is None
    # Not issued yet: nothing to download.
    assert client.get(f"/api/v1/registrations/{reg.id}/invitation-letter.pdf",
                      headers=bearer(user)).status_code == 409
    # Only staff issue it.
    assert client.post(f"/api/v1/documents/{document_id}/issue", json={}, headers=bearer(user)).status_code == 404
    r = client.post(f"/api/v1/documents/{document_id}/issue", json={}, headers=bearer(staff))
    assert r.status_code == 200 and r.get_json()["issued_at"]
    r = client.get(f"/api/v1/registrations/{reg.id}/invitation-letter.pdf", headers=bearer(user))
    assert r.status_code == 200
    assert name in pdf_text(r.data, tmp_path)
    assert_fonts_embedded(r.data, tmp_path)


@pytest.mark.parametrize("lang", sorted(NAMES))
def test_badges_of_a_forums_yes_list_on_sheets_of_eight(app, client, lang, tmp_path):
    staff = make_user("staff")
    event = make_event("IN", kind="forum", language=lang)
    institution = make_institution(name="Osaka University")
    names = []
    for n in range(9):  # two sheets
        given, family, native = NAMES[lang]
        member = make_member(given_name=given, family_name=f"{family}{n}", native_name=native)
        rsvc.respond(event, member, "yes")
        names.append(native or f"{given} {family}{n}")
    reg = event.registrations[0]
    reg.institution_id, reg.side = institution.id, "JP"
    _db.session.commit()
    r = client.get(f"/api/v1/events/{event.id}/badges.pdf", headers=bearer(staff))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    text = pdf_text(r.data, tmp_path)
    assert names[0] in text and "Osaka University" in text
    assert text.count("\f") == 2  # two A4 pages: 8 badges and 1
    assert_fonts_embedded(r.data, tmp_path)


def test_verify_answers_for_a_genuine_code_and_refuses_revoked_and_forged(app, client):
    member, _name = member_in("en")
    user, staff = make_user("member", member=member), make_user("staff")
    reg = checked_in_registration(member)
    assert client.get(f"/api/v1/registrations/{reg.id}/certificate.pdf", headers=bearer(user)).status_code == 200
    document = _db.session.query(Document).one()
    r = client.get(f"/verify/d/{document.code}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "genuine" in page and "Alice Walker" in page and "Certificate of attendance" in page
    assert client.get("/verify/d/" + "A" * 24).status_code == 404  # forged
    assert "not genuine" in client.get("/verify/d/" + "A" * 24).get_data(as_text=True)
    # Only staff revoke.
    assert client.post(f"/api/v1/documents/{document.id}/revoke", json={}, headers=bearer(user)).status_code == 404
    r = client.post(f"/api/v1/documents/{document.id}/revoke", json={}, headers=bearer(staff))
    assert r.status_code == 200 and r.get_json()["revoked_at"]
    r = client.get(f"/verify/d/{document.code}")
    assert r.status_code == 410 and "revoked" in r.get_data(as_text=True)


def test_no_certificate_of_attendance_without_a_check_in(app, client):
    member, _name = member_in("en")
    user = make_user("member", member=member)
    event = make_event("IN")
    reg = getattr(rsvc.respond(event, member, "yes"), "registration", None)
    _db.session.commit()
    assert client.get(f"/api/v1/registrations/{reg.id}/certificate.pdf", headers=bearer(user)).status_code == 409
    other = make_user("member")
    assert client.get(f"/api/v1/registrations/{reg.id}/certificate.pdf", headers=bearer(other)).status_code == 404


def test_codes_are_random_and_long():
    codes = {dsvc._new_code() for _ in range(100)}
    assert len(codes) == 100 and all(len(c) == 24 for c in codes)


def test_every_supported_language_has_a_font(app):
    assert dsvc.missing_fonts() == []


def test_the_download_is_audited(app, client):
    member, _name = member_in("en")
    user = make_user("member", member=member)
    participation = make_participation(member)
    client.get(f"/api/v1/participations/{participation.id}/certificate.pdf", headers=bearer(user))
    from alumni.models import AuditEntry

    assert _db.session.query(AuditEntry).filter_by(action="document.issued").count() == 1
    assert datetime.now(UTC) >= _db.session.query(Document).one().issued_at


def test_flask_check_warns_for_a_language_without_a_font(app, monkeypatch):
    from alumni.services import preflight

    assert preflight.check_fonts().level == "ok"
    monkeypatch.setattr(preflight, "missing_fonts", lambda: ["th"])
    finding = preflight.check_fonts()
    assert finding.level == "warning" and "th" in finding.message


def test_pages_link_the_documents_and_staff_issue_a_letter_requested_on_the_ticket(app, client, tmp_path):
    from tests.factories import login

    member, name = member_in("ja")
    user, staff = make_user("member", member=member, password="a long enough passphrase"), \
        make_user("staff", password="a long enough passphrase")
    participation = make_participation(member)
    event = make_event("IN", kind="forum")
    reg = rsvc.respond(event, member, "yes").registration
    rsvc.check_in(reg)
    _db.session.commit()
    login(client, user)
    me = client.get("/me").get_data(as_text=True)
    assert f"/participations/{participation.id}/certificate.pdf" in me
    assert name in pdf_text(client.get(f"/participations/{participation.id}/certificate.pdf").data, tmp_path)
    ticket = client.get(f"/tickets/{reg.ticket_token}").get_data(as_text=True)
    assert f"/registrations/{reg.id}/certificate.pdf" in ticket
    assert f"/registrations/{reg.id}/invitation-letter" in ticket
    r = client.post(f"/registrations/{reg.id}/invitation-letter")
    assert r.status_code == 302 and r.location.endswith(f"/tickets/{reg.ticket_token}")
    document = _db.session.query(Document).filter_by(kind=DocumentKind.invitation_letter).one()
    assert document.issued_at is None
    client.post("/logout")
    login(client, staff)
    assert name in client.get("/manage/letters").get_data(as_text=True)
    assert client.post(f"/manage/documents/{document.id}/issue").status_code == 302
    _db.session.refresh(document)
    assert document.issued_at is not None
    assert client.get(f"/registrations/{reg.id}/invitation-letter.pdf").status_code == 200
    # Revoking asks first.
    r = client.post(f"/manage/documents/{document.id}/revoke")
    assert r.status_code == 200 and 'name="confirmed"' in r.get_data(as_text=True)
    assert client.post(f"/manage/documents/{document.id}/revoke", data={"confirmed": "1"}).status_code == 302
    assert client.get(f"/verify/d/{document.code}").status_code == 410
    assert b"Badges" in client.get(f"/manage/events/{event.id}").data


def test_two_first_downloads_at_once_issue_one_certificate(app, monkeypatch):
    """Two requests for the first certificate at the same moment (each saw none yet) end with one
    live document: the database refuses a second, and the late one answers with the first."""
    member, _name = member_in("en")
    reg = checked_in_registration(member)
    staff = make_user("staff")
    first = dsvc.attendance_certificate(reg, actor=staff)
    _db.session.commit()
    seen = iter([None])  # the late request's look-up happened before the first was committed
    real = dsvc._current
    monkeypatch.setattr(dsvc, "_current", lambda kind, **where: next(seen, real(kind, **where)))
    second = dsvc.attendance_certificate(reg, actor=staff)
    _db.session.commit()
    assert second.id == first.id
    assert _db.session.query(Document).filter_by(registration_id=reg.id, revoked_at=None).count() == 1
    # A revoked one does not count: a new one may be issued after it.
    dsvc.revoke(first, actor=staff)
    _db.session.commit()
    monkeypatch.setattr(dsvc, "_current", real)
    assert dsvc.attendance_certificate(reg, actor=staff).id != first.id


def test_a_badge_names_the_side_as_a_country_not_its_code(app, tmp_path):
    """A forum's sides are what organizers typed; a side that is a country code (JP) is printed
    as the country's name in the event's language, another name as it was typed."""
    staff = make_user("staff")
    event = make_event("IN", kind="forum", language="ja")
    for side in ("JP", "Africa"):
        reg = getattr(rsvc.respond(event, make_member(), "yes"), "registration", None)
        reg.side = side
    _db.session.commit()
    text = pdf_text(dsvc.badges_pdf(event, actor=staff), tmp_path)
    assert "日本側" in text and "JP" not in text
    assert "Africa側" in text
