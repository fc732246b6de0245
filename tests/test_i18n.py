"""Ten languages, complete: every marked string translated in every catalogue, no fuzzy entry,
placeholders intact, gettext's msgfmt --check clean; pages render in each language."""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from alumni.i18n import LANGUAGES, RTL_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALES = [name for tag, name in LANGUAGES.items() if tag != "en"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages the code marks today (not the committed .pot, which may be stale)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(os.sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def catalogue(locale: str):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete_and_clean(locale, extracted):
    cat = catalogue(locale)
    entries = {m.id: m for m in cat if m.id}
    missing = sorted(str(i) for i in extracted if i not in entries)
    assert not missing, f"{locale}: {len(missing)} strings not in the catalogue (run make translations): {missing[:5]}"
    untranslated = [str(m.id) for m in entries.values()
                    if m.id in extracted and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    assert not untranslated, f"{locale}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    fuzzy = [str(m.id) for m in entries.values() if m.fuzzy]
    assert not fuzzy, f"{locale}: fuzzy entries {fuzzy[:5]}"
    problems = [(str(m.id), [str(e) for e in errors]) for m, errors in cat.check()]
    assert not problems, f"{locale}: placeholder or plural problems {problems[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_msgfmt_check_passes(locale):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("ALUMNI_REQUIRE_BROWSER") == "1":
            pytest.fail("gettext's msgfmt is required in CI")
        pytest.skip("gettext's msgfmt is not installed (apt-get install gettext)")
    po = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    result = subprocess.run([msgfmt, "--check", "-o", os.devnull, str(po)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


ENGLISH_ONLY = ["Log in", "Events", "Directory", "The alumni network of Japan's international youth "
                "science-exchange programmes."]


@pytest.mark.parametrize("tag", [t for t in LANGUAGES if t != "en"])
def test_pages_render_in_each_language(client, tag):
    from tests.factories import make_event

    event = make_event(starts_at="2027-01-23T18:00:00", ends_at="2027-01-23T21:30:00")
    client.get(f"/language?lang={tag}&next=/")
    for url in ("/", "/login", "/events", f"/events/{event.id}", "/signup", "/privacy"):
        html = client.get(url).get_data(as_text=True)
        assert f'lang="{tag}"' in html, url
        assert f'dir="{"rtl" if tag in RTL_LANGUAGES else "ltr"}"' in html
        for english in ENGLISH_ONLY:
            assert english not in html, (tag, url, english)
    # Dates by Babel in that locale, as its own data writes them (a skeleton, not a fixed pattern).
    from datetime import datetime

    from babel.dates import format_skeleton

    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    expected = format_skeleton("yMMMEd", datetime(2027, 1, 23, 18, 0), locale=LANGUAGES[tag])
    assert expected in page, (tag, expected)


@pytest.mark.parametrize("tag", [t for t in LANGUAGES if t != "en"])
def test_invitation_is_in_the_members_language(smtp, tag):
    """Subject, fixed wording and dates of the invitation are in the member's language."""
    from flask_babel import force_locale, gettext

    from alumni.extensions import db
    from alumni.services import invitations, outbox
    from tests.factories import make_event, make_member

    event = make_event(title="Reunion in Tokyo", timezone="Asia/Tokyo", venue="Tokyo", country="JP",
                       starts_at="2027-03-20T18:00:00", ends_at="2027-03-20T21:00:00")
    member = make_member(preferred_language=tag, email=f"{tag.lower()}@example.org")
    invitations.queue_invitations(event, invitations.clean_audience({}))
    db.session.commit()
    outbox.deliver_due("w")
    [message] = smtp.to(member.email)
    with force_locale(LANGUAGES[tag]):
        subject = gettext("Invitation: %(title)s", title="Reunion in Tokyo")
        intro = gettext("You are invited to an event of the Sakura Science Club alumni.")
    assert message["Subject"] == subject and not subject.startswith("Invitation:")
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    assert intro in text and "You are invited" not in text
    from babel.dates import format_date

    assert format_date(date(2027, 3, 20), "full", locale=LANGUAGES[tag]) in text


def test_template_strings_follow_the_locale_of_each_render(app):
    """Templates read the translations once per render: a mail rendered under force_locale in
    the middle of a French request is Japanese, and the request's next render is French again;
    plural forms, placeholders and escaping as in Jinja's own newstyle gettext."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = ("{{ _('Events') }}|{{ ngettext('%(num)d place left', '%(num)d places left', 3) }}|"
              "{{ _('%(value)s is not a supported language.', value='<b>') }}")
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        french = render_template_string(source)
        with force_locale("ja"):
            japanese = render_template_string(source)
        again = render_template_string(source)
    assert french.startswith("Événements|3 places restantes|&lt;b&gt;") and again == french
    assert japanese.startswith("イベント|") and "&lt;b&gt;" in japanese
