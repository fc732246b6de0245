"""Every language as a native reader expects it (issue 19): for each of the ten languages an event
page, /me, an invitation and the staff overview write dates, times, zones and numbers exactly as
Babel's own data for that locale writes them (the expected text is computed here with Babel, not
with the app's formatters), and the visible text of <main> holds no English word left over from
the catalogue's source strings."""
from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_skeleton, format_time, get_timezone_gmt, get_timezone_name
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from alumni.extensions import db
from alumni.i18n import LANGUAGES
from tests.factories import make_event, make_member, make_participation, make_return, make_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough passphrase"
EVENT_ZONE, MEMBER_ZONE = "Asia/Kolkata", "Asia/Tokyo"
START, END = datetime(2027, 1, 23, 18, 0), datetime(2027, 1, 23, 21, 30)  # 21:30–01:00 in Tokyo

#: Words that stay as they are in every language: proper names, brands, acronyms, formats.
ALLOWED_WORDS = {"sakura", "alumni", "orcid", "csv", "ical", "ics", "google", "calendar", "utc", "gmt", "api",
                 "json", "xlsx", "url", "pdf", "jst", "ssp", "qr", "webcal", "excel", "outlook", "apple"}


# ---------------------------------------------------------------- visible text, English words
class _Visible(HTMLParser):
    """The text a reader sees inside <main>: no script, style, SVG <title>/<desc>, nor attributes."""

    HIDDEN = frozenset({"script", "style", "title", "desc", "template", "noscript"})

    def __init__(self):
        super().__init__()
        self.depth_main = 0
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth_main += 1
        elif tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth_main -= 1
        elif tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data):
        if self.depth_main > 0 and not self.hidden:
            self.parts.append(data)


def norm(text: str) -> str:
    """Runs of white space (Babel's narrow and no-break spaces among them) as one space."""
    return re.sub(r"\s+", " ", text)


def visible_main(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return norm(" ".join(parser.parts))


_WORD = re.compile(r"[A-Za-z][A-Za-z’']+")
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}|<[^>]+>|&[a-z]+;")


def _words(text: str) -> set[str]:
    return {w.lower().strip("'’") for w in _WORD.findall(_PLACEHOLDER.sub(" ", text)) if len(w) >= 3}


_ENGLISH: dict[str, set[str]] = {}


def english_words(locale: str) -> set[str]:
    """English words of the msgids this catalogue translates, less every word its translations
    use themselves (French "Programme", Indonesian "Email") and the allowed names."""
    if locale not in _ENGLISH:
        with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalogue = read_po(fh)
        source: set[str] = set()
        target: set[str] = set()
        for message in catalogue:
            if not message.id or not message.string or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                continue
            for text in ids:
                source |= _words(text)
            for text in strings:
                target |= _words(text)
        _ENGLISH[locale] = source - target - ALLOWED_WORDS
    return _ENGLISH[locale]


def leftovers(html: str, locale: str, data_words: set[str]) -> list[str]:
    """English words from translated msgids still on the page (words of the test's own data aside)."""
    if locale == "en":
        return []
    seen = _words(visible_main(html))
    return sorted(seen & english_words(locale) - data_words)


def programme_words() -> set[str]:
    """Words of the programme names stored in English in the database (issue 19 part 2, branch
    i19-names, gives them one translated catalogue): tolerated here, but printed. Remove this
    allowance once programme names are translated."""
    from sqlalchemy import select

    from alumni.models import Programme

    return set().union(*(_words(name) for name in db.session.scalars(select(Programme.name))))


# ---------------------------------------------------------------- what Babel writes
def day(moment: datetime, loc: str) -> str:
    return format_skeleton("yMMMEd", moment, locale=loc)


def time(moment: datetime, loc: str, zone: str | None = None) -> str:
    return format_time(moment, "short", tzinfo=ZoneInfo(zone) if zone else None, locale=loc)


def zone_name(zone: str, at: datetime, loc: str) -> str:
    return get_timezone_name(at.replace(tzinfo=ZoneInfo(zone)), "long", locale=loc)


# ---------------------------------------------------------------- the pages
@pytest.fixture
def scene(app):
    """An event in Delhi; a member in Tokyo who accepted the privacy notice; staff numbers."""
    from alumni.services import privacy

    event = make_event(title="Reunion", description="…", venue="IIT", country="IN", timezone=EVENT_ZONE,
                       starts_at=START.isoformat(), ends_at=END.isoformat())
    member = make_member(timezone=MEMBER_ZONE, email="tokyo@example.org", given_name="Hanako", family_name="Sato")
    make_user("member", member=member, password=PASSWORD)
    privacy.accept_notice(member)
    db.session.commit()
    for i in range(3):  # 3 invited, 2 came back: a share of 2/3
        m = make_member(country="KE")
        make_participation(m, programme="SSP-B", start_date=date(2019, 7, 1), end_date=date(2019, 7, 20))
        if i < 2:
            make_return(m, purpose="research", start_date=date(2022, 1, 1 + i))
    make_user("staff", email="hq@example.org", password=PASSWORD)
    data_words = _words("Reunion IIT Hanako Sato tokyo example org IN chapter") | {"chapter"}
    return {"event": event, "member": member, "data_words": data_words}


def _client(app, email: str, tag: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    client.get(f"/language?lang={tag}&next=/")
    return client


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_each_language_reads_dates_times_zones_and_numbers_its_own_way(app, scene, smtp, tag):
    loc = LANGUAGES[tag]
    event, member = scene["event"], scene["member"]
    found: dict[str, list[str]] = {}

    # --- the event page: the event's own time and zone, and the member's time in Tokyo
    member_client = _client(app, "tokyo@example.org", tag)
    page = member_client.get(f"/events/{event.id}").get_data(as_text=True)
    text = visible_main(page)
    at = START.replace(tzinfo=ZoneInfo(EVENT_ZONE))
    for expected in (day(START, loc), time(START, loc), time(END, loc), zone_name(EVENT_ZONE, START, loc),
                     get_timezone_gmt(at, locale=loc)):
        assert norm(expected) in text, (tag, "event page", expected, text[:600])
    tokyo_start = at.astimezone(ZoneInfo(MEMBER_ZONE))
    tokyo_end = END.replace(tzinfo=ZoneInfo(EVENT_ZONE)).astimezone(ZoneInfo(MEMBER_ZONE))
    for expected in (day(tokyo_start, loc), day(tokyo_end, loc), time(tokyo_start, loc), time(tokyo_end, loc),
                     get_timezone_name(tokyo_start, "long", locale=loc)):
        assert norm(expected) in text, (tag, "your time", expected, text[:600])
    assert EVENT_ZONE not in text and "EEE" not in text
    found["event page"] = leftovers(page, loc, scene["data_words"])

    # --- /me: the member's zone by name, and when the privacy notice was accepted, in Tokyo
    from alumni.services import privacy

    accepted = privacy.accepted_notice(member).accepted_at
    me = member_client.get("/me").get_data(as_text=True)
    text = visible_main(me)
    for expected in (format_skeleton("yMMMd", accepted, tzinfo=ZoneInfo(MEMBER_ZONE), locale=loc),
                     time(accepted, loc, MEMBER_ZONE), zone_name(MEMBER_ZONE, datetime(2027, 1, 1), loc)):
        assert norm(expected) in text, (tag, "/me", expected, text[:800])
    assert MEMBER_ZONE not in text
    found["/me"] = leftovers(me, loc, scene["data_words"])

    # --- an invitation in the member's language: the full date, the times and the zone's name
    from alumni.services import invitations, outbox

    member.preferred_language = tag
    db.session.commit()
    invitations.queue_invitations(event, invitations.clean_audience({}))
    db.session.commit()
    outbox.deliver_due("w")
    [message] = smtp.to(member.email)
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    for expected in (format_date(START.date(), "full", locale=loc), time(START, loc), time(END, loc),
                     zone_name(EVENT_ZONE, START, loc)):
        assert expected in body, (tag, "invitation", expected, body[:800])

    # --- the staff overview: counts and the share as the locale writes numbers
    staff_client = _client(app, "hq@example.org", tag)
    overview = staff_client.get("/staff/").get_data(as_text=True)
    text = visible_main(overview)
    for expected in (format_percent(2 / 3, locale=loc), format_decimal(3, locale=loc)):
        assert norm(expected) in text, (tag, "overview", expected)
    found["overview"] = leftovers(overview, loc, scene["data_words"])

    pending = programme_words()
    waiting = sorted({w for words in found.values() for w in words} & pending)
    if waiting:  # shown with -rP; the warnings filter of this project turns warnings into errors
        print(f"{tag}: English words of programme names on the page (waiting for i19-names): {waiting}")
    left = {where: [w for w in words if w not in pending] for where, words in found.items()}
    left = {where: words for where, words in left.items() if words}
    assert not left, f"{tag}: English words left on the page: {left}"
