"""Invitations: the audience chosen by the database, each member in their own language, once."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime, format_time
from sqlalchemy import select

from alumni.errors import Conflict, Invalid
from alumni.extensions import db
from alumni.models import OutgoingMail
from alumni.services import invitations as isvc
from alumni.services import members as msvc
from alumni.services import outbox
from alumni.services.calendars import invitation_ics
from alumni.services.inbound import reply_address
from tests.factories import make_chapter, make_event, make_institution, make_member, make_participation

START = datetime(2027, 3, 14, 18, 30)


def tokyo_event(**values):
    defaults = {"title": "Alumni reunion in Tokyo", "language": "en", "starts_at": START, "ends_at": START.replace(hour=21),
                    "timezone": "Asia/Tokyo", "venue": "Miraikan, Tokyo", "country": "JP",
                    "translations": {"ja": {"title": "東京同窓会", "description": "また会いましょう。"},
                                  "hi": {"title": "टोक्यो पुनर्मिलन"}, "ar": {"title": "لقاء الخريجين في طوكيو"}}}
    return make_event("JP", **{**defaults, **values})


def outbox_rows():
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


# ---------------------------------------------------------------- audience
def test_audience_is_chosen_by_chapter_country_programme_cohort_host_and_return():
    make_chapter("SA", "South Asia", ("IN", "LK"))
    host = make_institution(name="University of Tokyo")
    a = make_member(country="IN")
    make_participation(a, programme="SSP-A", start_date=date(2018, 7, 1), end_date=date(2018, 7, 7),
                       host_institution_id=host.id)
    b = make_member(country="LK")
    make_participation(b, programme="SSP-B", start_date=date(2019, 5, 1), end_date=date(2019, 5, 9))
    # Cohort = the fiscal year of the FIRST inbound participation: c is 2018, not 2019.
    c = make_member(country="TH")
    make_participation(c, programme="SSP-A", start_date=date(2019, 2, 1), end_date=date(2019, 2, 7))
    make_participation(c, programme="SSP-B", start_date=date(2019, 8, 1), end_date=date(2019, 8, 7))
    msvc.add_return(c, {"purpose": "research", "start_date": date(2022, 4, 1)})
    db.session.commit()

    def who(**values):
        audience = isvc.clean_audience(values)
        return set(db.session.scalars(select(isvc.Member.id).where(*isvc.audience_filter(audience))))

    assert who(chapter="SA") == {a.id, b.id}
    assert who(countries=["lk", "TH"]) == {b.id, c.id}
    assert who(programmes=["SSP-B"]) == {b.id, c.id}
    assert who(fiscal_years=[2018]) == {a.id, c.id}
    assert who(fiscal_years=[2019]) == {b.id}
    assert who(host_institution=host.id) == {a.id}
    assert who(returnees=True) == {c.id}
    assert who(chapter="SA", programmes=["SSP-B"]) == {b.id}
    assert who() == {a.id, b.id, c.id}


@pytest.mark.parametrize("values, field", [
    ({"countries": ["XX"]}, "audience.countries"),
    ({"programmes": ["NOPE"]}, "audience.programmes"),
    ({"fiscal_years": ["last year"]}, "audience.fiscal_years"),
    ({"fiscal_years": [1066]}, "audience.fiscal_years"),
    ({"chapter": "ZZ"}, "audience.chapter"),
    ({"host_institution": 999999}, "audience.host_institution"),
    ({"returnees": "perhaps"}, "audience.returnees"),
    ({"colour": "red"}, "audience.colour"),
])
def test_bad_audience_values_are_refused_naming_the_field(values, field):
    with pytest.raises(Invalid) as error:
        isvc.clean_audience(values)
    assert list(error.value.fields) == [field]


def test_count_per_language_before_sending_skips_unsubscribed():
    for lang in ("ja", "ja", "hi", "ar", "en"):
        make_member(preferred_language=lang)
    gone = make_member(preferred_language="ja")
    isvc.unsubscribe(gone)
    db.session.commit()
    count = isvc.count_audience(isvc.clean_audience({}))
    assert count.by_language == {"ja": 2, "ar": 1, "en": 1, "hi": 1}
    assert count.total == 5 and count.unsubscribed == 1


# ---------------------------------------------------------------- queuing
def test_queuing_the_same_invitation_again_queues_nothing():
    event = tokyo_event()
    members = [make_member(preferred_language=lang) for lang in ("ja", "hi", "en")]
    audience = isvc.clean_audience({})
    assert isvc.queue_invitations(event, audience) == (3, 0)
    db.session.commit()
    assert isvc.queue_invitations(event, audience) == (0, 3)
    db.session.commit()
    late = make_member(preferred_language="ar")
    assert isvc.queue_invitations(event, audience) == (1, 3)
    db.session.commit()
    keys = {row.dedup_key for row in outbox_rows()}
    assert keys == {f"invite:{event.id}:{m.id}" for m in [*members, late]}


def test_unsubscribed_and_held_addresses_are_skipped_and_counted():
    event = tokyo_event()
    make_member()
    gone = make_member()
    isvc.unsubscribe(gone)
    bouncing = make_member()
    db.session.add(outbox.MailAddressHold(email=bouncing.email, permanent_failures=2, held=True))
    db.session.commit()
    assert isvc.queue_invitations(event, isvc.clean_audience({})) == (1, 2)


def test_deleted_members_receive_nothing():
    event = tokyo_event()
    keep, gone = make_member(), make_member()
    msvc.delete_member(gone)
    db.session.commit()
    assert isvc.queue_invitations(event, isvc.clean_audience({})) == (1, 0)
    assert [row.recipient for row in outbox_rows()] == [keep.email]


def test_drafts_and_cancelled_events_invite_nobody():
    make_member()
    with pytest.raises(Conflict):
        isvc.queue_invitations(tokyo_event(publish=False), isvc.clean_audience({}))
    from alumni.services.events import cancel_event

    event = tokyo_event()
    cancel_event(event)
    with pytest.raises(Conflict):
        isvc.queue_invitations(event, isvc.clean_audience({}))


def test_attachment_is_the_calendar_codes_invitation_for_that_member():
    """The ATTENDEE line spliced per member is byte for byte what the calendar code writes."""
    event = tokyo_event()
    member = make_member(preferred_language="ja", given_name="Hanako", family_name="Sato",
                         native_name="佐藤 花子 — a long native name to force line folding in the ics",
                         family_name_first=True)
    stamp = datetime(2027, 1, 1, tzinfo=ZoneInfo("UTC"))
    isvc.queue_invitations(event, isvc.clean_audience({}), now=stamp)
    [row] = outbox_rows()
    expected, method = invitation_ics(event, "ja", (member.email, member.display_name), stamp=stamp,
                                      organizer=reply_address(event.id, member.id))
    assert row.ics == expected and row.ics_method == method == "REQUEST"


# ---------------------------------------------------------------- against a real SMTP server
@pytest.mark.parametrize("lang, locale, title", [
    ("ja", "ja", "東京同窓会"),
    ("hi", "hi", "टोक्यो पुनर्मिलन"),
    ("ar", "ar", "لقاء الخريجين في طوكيو"),
])
def test_invitation_arrives_in_the_members_language(smtp, lang, locale, title):
    event = tokyo_event()
    member = make_member(preferred_language=lang, email=f"{lang}@example.org")
    assert isvc.queue_invitations(event, isvc.clean_audience({})) == (1, 0)
    db.session.commit()
    assert outbox.deliver_due("w").sent == 1
    [message] = smtp.messages
    assert message["To"] == member.email
    assert message["Content-Language"] == lang
    assert title in message["Subject"]
    parts = {part.get_content_type(): part for part in message.walk()}
    text = parts["text/plain"].get_content()
    html = parts["text/html"].get_content()
    # Dates as Babel writes them for that locale, in the event's zone (Tokyo), with its month name.
    zone = ZoneInfo("Asia/Tokyo")
    day = format_date(START.date(), "full", locale=locale)
    time = format_time(START.replace(tzinfo=zone), "short", tzinfo=zone, locale=locale)
    assert day in text and day in html and time in text
    assert day != format_date(START.date(), "full", locale="en")
    month = format_datetime(START, "MMMM", locale=locale)
    assert month in text and month != "March"
    assert title in text and title in html
    # The HTML part was rendered inside the member's locale (language and direction).
    assert f'lang="{lang}"' in html
    assert ('dir="rtl"' in html) == (lang == "ar")
    assert f"http://alumni.test/events/{event.id}" in text
    # The calendar part: REQUEST in the MIME type and in the body, with organizer and attendee.
    ics_part = parts["text/calendar"]
    assert ics_part.get_param("method") == "REQUEST"
    ics = ics_part.get_content() if isinstance(ics_part.get_content(), str) else ics_part.get_content().decode()
    assert "METHOD:REQUEST" in ics
    unfolded = ics.replace("\r\n ", "")
    assert f"mailto:{member.email}" in unfolded and "ORGANIZER" in unfolded
    assert f"SUMMARY:{title}" in unfolded
    # The unsubscribe link; one-click (RFC 8058) only over https, which the tests' BASE_URL is not.
    assert message["List-Unsubscribe"].strip().startswith("<http://alumni.test/mail/unsubscribe/")
    assert message["List-Unsubscribe-Post"] is None
    # Replies from the calendar program go to the member's signed reply address.
    assert "mailto:rsvp+" in unfolded and "RSVP=TRUE" in unfolded


def test_one_click_unsubscribe_is_offered_over_https_only(app, monkeypatch):
    """RFC 8058: List-Unsubscribe-Post goes with an https List-Unsubscribe URL, never with http."""
    from alumni.services.mailmerge import unsubscribe_headers

    secure = unsubscribe_headers("en", "https://alumni.example/mail/unsubscribe/t")
    assert secure["List-Unsubscribe"] == "<https://alumni.example/mail/unsubscribe/t>"
    assert secure["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    event = tokyo_event()
    make_member()
    monkeypatch.setitem(app.config, "BASE_URL", "https://alumni.example")
    isvc.queue_invitations(event, isvc.clean_audience({}))
    [row] = outbox_rows()
    assert row.headers["List-Unsubscribe"].startswith("<https://alumni.example/mail/unsubscribe/")
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_without_a_reply_address_invitations_ask_for_no_reply(app, monkeypatch):
    """A calendar program must not offer Accept/Decline whose answer nobody would read."""
    event = tokyo_event()
    make_member()
    monkeypatch.setitem(app.config, "MAIL_REPLY_ADDRESS", "")
    isvc.queue_invitations(event, isvc.clean_audience({}))
    [row] = outbox_rows()
    unfolded = row.ics.replace("\r\n ", "")
    assert "RSVP=FALSE" in unfolded and "RSVP=TRUE" not in unfolded and "rsvp+" not in unfolded


def test_member_without_a_translation_gets_the_events_own_texts_in_their_locale(smtp):
    tokyo_event(translations={})
    make_member(preferred_language="fr")
    isvc.queue_invitations(tokyo_event(translations={}, title="Kyoto meeting"), isvc.clean_audience({}))
    db.session.commit()
    outbox.deliver_due("w")
    message = next(m for m in smtp.messages if "Kyoto meeting" in m["Subject"])
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    assert "Kyoto meeting" in text and "mars" in text  # French month name


def test_each_member_gets_their_own_name_and_link_escaped_in_html():
    event = tokyo_event()
    a = make_member(given_name="<b>Ana</b>", family_name="O'Neil & Co", preferred_language="es")
    b = make_member(given_name="Budi", family_name="Santoso", preferred_language="es")
    isvc.queue_invitations(event, isvc.clean_audience({}))
    first, second = outbox_rows()
    assert "<b>Ana</b> O'Neil & Co" in first.text_body and "Budi" not in first.text_body
    assert "&lt;b&gt;Ana&lt;/b&gt; O&#39;Neil &amp; Co" in first.html_body and "<b>Ana" not in first.html_body
    assert "Budi Santoso" in second.text_body
    from alumni.services.mailmerge import member_id_for_token

    for row, member in ((first, a), (second, b)):
        token = row.headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
        assert member_id_for_token(token) == member.id and token in row.text_body and token in row.html_body
        assert "\x1e" not in row.text_body + row.html_body


@pytest.mark.parametrize("values", [
    {"given_name": "Hanako", "family_name": "Sato", "native_name": "佐藤 花子", "family_name_first": True},
    {"given_name": "Priya", "family_name": "Sharma", "native_name": "प्रिया शर्मा", "family_name_first": False},
    {"given_name": "Ana", "family_name": "Silva", "native_name": "", "family_name_first": False},
    {"given_name": "Ana", "family_name": "Silva", "native_name": "Ana Silva", "family_name_first": False},
])
def test_mail_names_a_member_as_member_display_name_does(values):
    """recipient_name (mail merges read plain columns) is Member.display_name's rule."""
    from alumni.services.mailmerge import recipient_name

    member = make_member(**values)
    assert recipient_name(member.given_name, member.family_name, member.native_name,
                          member.family_name_first) == member.display_name
