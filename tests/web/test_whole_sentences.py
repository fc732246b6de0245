"""Whole sentences only (issue 19): a sentence is one message, with its link or markup inside as a
placeholder, so each language can order its words; no punctuation is glued between two messages
in a template (French wants "Enregistrement : …", Japanese "チェックイン：…"); user text shown
inside a sentence is isolated with <bdi> so a Latin title keeps its order in Arabic."""
from __future__ import annotations

import re
from pathlib import Path

from flask_babel import force_locale, gettext

from alumni.extensions import db
from tests.factories import logged_in, make_chapter, make_event, make_member, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PASSWORD = "a long enough passphrase"

# A translated call `{{ _("…") }}` (or `_('…')`, any arguments).
_CALL = r"\{\{\s*_\((?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')[^}]*\}\}"
_MARKUP = r"(?:\s|<[^>{}]*>)*"
# …then only markup, spaces and a punctuation mark, then more text or another expression.
GLUED_AFTER = re.compile(_CALL + "(" + _MARKUP + r"[:;,.!?：；、。]" + _MARKUP + r")(?=\{\{|\w)")
# …or an expression or tag, a punctuation mark, then a translated call.
GLUED_BEFORE = re.compile(r"(?:\}\}|%\}|>)\s*[:;,!?：；、]\s*" + _MARKUP + r"(?:" + _CALL + r"|\{\{\s*ngettext\()")


def glued(text: str) -> list[str]:
    return [m.group(0)[-100:] for pattern in (GLUED_AFTER, GLUED_BEFORE) for m in pattern.finditer(text)]


def test_the_check_sees_glued_punctuation():
    assert glued('<a href="x">{{ _("Read the notice") }}</a>: {{ _("what we keep.") }}')
    assert glued('<h1>{{ _("Check-in") }}: {{ event.title }}</h1>')
    assert glued("{{ _('Status') }} : {{ _('done') }}")
    assert glued('{% endif %}: {{ ngettext("%(num)d failed", "%(num)d failed", n) }}')
    assert not glued('{{ _("Check-in: %(event)s", event=bdi(event.title)) }}')
    assert not glued('<p>{{ _("One sentence.") }}</p>\n<p>{{ _("Another.") }}</p>')


def test_no_template_glues_punctuation_between_messages():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(TEMPLATES)}: {snippet}" for snippet in glued(text)]
    assert not found, "punctuation between two messages; make it one message with placeholders:\n" + "\n".join(found)


def _guided_me(client, language):
    user = logged_in(client, preferred_language=language)
    user.member.country = None
    db.session.commit()
    return client.get("/me").get_data(as_text=True)


def test_the_guided_start_says_each_step_as_one_sentence_in_hindi(client):
    page = _guided_me(client, "hi")
    # Hindi puts "in the directory" inside the clause: one message lets it.
    assert '<a href="/me/profile">चुनें कि निर्देशिका में आपको कौन ढूँढ सकता है</a>, फिर अपने साथियों को खोजें।' in page
    assert '<a href="/me/profile">अपनी प्रोफ़ाइल पूरी करें</a>: आपके नाम' in page


def test_the_guided_start_links_are_real_links_in_english(client):
    page = _guided_me(client, "en")
    assert '<a href="/me/profile">Choose who can find you</a> in the directory, then look for your classmates.' in page
    assert '<a href="/me/participations/new">Add your programme</a>: when you came to Japan, and where.' in page
    assert "&lt;a" not in page


def test_the_signup_privacy_link_is_in_the_sentence_in_french(client):
    client.get("/language?lang=fr&next=/")
    page = client.get("/signup").get_data(as_text=True)
    assert re.search(r'<p id="privacy-link"><a href="/privacy" target="_blank" rel="noopener">Lire l’avis de '
                     r"confidentialité \(version [^)]+\)</a>\u00a0: ce que nous conservons", page)


def test_the_check_in_heading_isolates_the_event_title(client):
    make_chapter("IN", "India chapter", ("IN",))
    event = make_event("IN", title="Reunion <Delhi> (2027)", timezone="Asia/Kolkata", capacity=5)
    make_member()
    db.session.commit()
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    assert client.post("/login", data={"email": organizer.email, "password": PASSWORD}).status_code == 302
    client.get("/language?lang=ar&next=/")
    page = client.get(f"/manage/events/{event.id}/scan").get_data(as_text=True)
    with force_locale("ar"):
        label = gettext("Check-in: %(event)s", event="<bdi>Reunion &lt;Delhi&gt; (2027)</bdi>")
    assert label in page and "<Delhi>" not in page


def test_the_calendar_download_keeps_its_file_extension_whole_in_arabic(client):
    event = make_event(title="Reunion in Tokyo", timezone="Asia/Tokyo")
    client.get("/language?lang=ar&next=/")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    # "(.ics)" in a right-to-left line shows as "(ics.)" unless the extension is isolated.
    assert "تنزيل (<bdi>.ics</bdi>)" in page and "(.ics)" not in page


def test_a_link_placed_into_a_message_stays_a_link_and_user_text_stays_escaped(app):
    from flask import render_template_string

    source = ('{% from "_macros.html" import bdi %}'
              '{% set mailing %}<a href="/mail/7">{{ name }}</a>{% endset %}'
              '{{ ngettext("%(mailing)s: %(num)d failed", "%(mailing)s: %(num)d failed", 2, mailing=mailing) }}|'
              '{{ _("Check-in: %(event)s", event=bdi(name)) }}')
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        html = render_template_string(source, name="A&B <i>")
    assert html == ('<a href="/mail/7">A&amp;B &lt;i&gt;</a>\u00a0: 2 en échec|'
                    "Enregistrement\u00a0: <bdi>A&amp;B &lt;i&gt;</bdi>")


def test_the_directory_login_sentence_ends_with_the_link_in_hindi(client):
    client.get("/language?lang=hi&next=/")
    page = client.get("/directory").get_data(as_text=True)
    # Hindi is verb-final: "to see everyone …, log in" — possible only as one message.
    assert re.search(r'सभी लोगों को देखने के लिए <a href="/login\?next=[^"]+">लॉग इन करें</a>।', page)


def test_the_check_in_count_is_one_sentence(client):
    make_chapter("IN", "India chapter", ("IN",))
    event = make_event("IN", timezone="Asia/Kolkata", capacity=5)
    db.session.commit()
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    assert client.post("/login", data={"email": organizer.email, "password": PASSWORD}).status_code == 302
    client.get("/language?lang=ja&next=/")
    page = client.get(f"/manage/events/{event.id}/check-in").get_data(as_text=True)
    assert "0 人中 <strong>0</strong> 人がチェックイン済み" in page


def test_a_consent_says_given_or_withdrawn_with_its_time_as_one_sentence(client):
    from alumni.models import ConsentKind
    from alumni.services import membership

    user = logged_in(client, preferred_language="fr", timezone="Europe/Paris")
    kind = next(iter(ConsentKind))
    membership.record_consent(user.member, kind, True)
    membership.record_consent(user.member, kind, False)
    db.session.commit()
    page = client.get("/me").get_data(as_text=True)
    assert " — donné le " in page and " — retiré le " in page
    assert "donné <" not in page and "None" not in page


def test_a_refused_check_in_names_the_person_with_the_languages_own_colon(client):
    from alumni.services import registrations as rsvc

    make_chapter("IN", "India chapter", ("IN",))
    event = make_event("IN", timezone="Asia/Kolkata", capacity=5)
    reg = rsvc.respond(event, make_member(given_name="Hanako", family_name="Sato"), "yes").registration
    db.session.commit()
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    assert client.post("/login", data={"email": organizer.email, "password": PASSWORD}).status_code == 302
    client.get("/language?lang=fr&next=/")
    client.post(f"/manage/check-in/{reg.ticket_token}")
    page = client.post(f"/manage/check-in/{reg.ticket_token}", follow_redirects=True).get_data(as_text=True)
    assert f"{reg.member.latin_name}\u00a0: Déjà enregistré" in page
