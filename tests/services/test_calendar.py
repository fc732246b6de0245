"""The iCalendar we write, read back by independent parsers (vobject and ical.js): zones and
local times, UID, SEQUENCE, cancellation, all-day events, folding of multibyte lines."""
from datetime import UTC, datetime, timedelta

import pytest

from alumni.calendar import CalendarItem, build_calendar, event_uid, google_calendar_link, to_ics
from tests.icalcheck import parse_icaljs, parse_vobject

STAMP = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

CASES = [
    # zone, local start, expected UTC start
    ("Asia/Kolkata", datetime(2026, 1, 17, 18, 0), datetime(2026, 1, 17, 12, 30, tzinfo=UTC)),
    ("Africa/Nairobi", datetime(2026, 8, 19, 10, 0), datetime(2026, 8, 19, 7, 0, tzinfo=UTC)),
    ("Asia/Tokyo", datetime(2026, 11, 15, 13, 30), datetime(2026, 11, 15, 4, 30, tzinfo=UTC)),
    ("America/Sao_Paulo", datetime(2026, 3, 5, 19, 0), datetime(2026, 3, 5, 22, 0, tzinfo=UTC)),
]


def item(**overrides):
    values = {"uid": event_uid(7), "summary": "7th India alumni reunion", "starts_at": datetime(2026, 1, 17, 18, 0),
                  "ends_at": datetime(2026, 1, 17, 21, 0), "timezone": "Asia/Kolkata", "sequence": 0,
                  "last_modified": STAMP, "description": "Dinner and talks.", "location": "India Habitat Centre, New Delhi",
                  "url": "http://alumni.test/events/7", "organizer_email": "india@sakura-alumni.example",
                  "organizer_name": "India chapter"}
    values.update(overrides)
    return CalendarItem(**values)


@pytest.mark.parametrize("zone, local, utc", CASES)
def test_local_times_and_zone_survive_both_parsers(zone, local, utc, tmp_path):
    ics = to_ics(build_calendar([item(timezone=zone, starts_at=local, ends_at=local + timedelta(hours=3))],
                                stamp=STAMP))
    ev = parse_vobject(ics).vevent
    assert ev.dtstart.value.replace(tzinfo=None) == local
    assert ev.dtstart.value.astimezone(UTC) == utc
    assert f"DTSTART;TZID={zone}:{local:%Y%m%dT%H%M%S}" in ics.decode()
    js = parse_icaljs(ics, tmp_path)["events"][0]
    assert js["tzid"] == zone
    assert js["start_local"] == local.strftime("%Y-%m-%dT%H:%M:%S")
    assert js["start_utc"] == int(utc.timestamp())


def test_vtimezone_included_for_each_zone_used(tmp_path):
    ics = to_ics(build_calendar([item(), item(uid=event_uid(8), timezone="Asia/Tokyo")], stamp=STAMP))
    cal = parse_vobject(ics)
    zones = {tz.tzid.value for tz in cal.vtimezone_list}
    assert zones == {"Asia/Kolkata", "Asia/Tokyo"}


def test_cancelled_item_and_cancel_method(tmp_path):
    ics = to_ics(build_calendar([item(cancelled=True, sequence=3)], stamp=STAMP, method="CANCEL"))
    cal = parse_vobject(ics)
    assert cal.method.value == "CANCEL"
    assert cal.vevent.status.value == "CANCELLED" and cal.vevent.sequence.value == "3"
    js = parse_icaljs(ics, tmp_path)
    assert js["method"] == "CANCEL" and js["events"][0]["status"] == "CANCELLED"


def test_invitation_names_the_attendee_and_organizer(tmp_path):
    ics = to_ics(build_calendar([item()], stamp=STAMP, method="REQUEST", attendee=("priya@example.in", "Priya Sharma")))
    ev = parse_vobject(ics).vevent
    assert ev.attendee.value == "mailto:priya@example.in"
    assert ev.organizer.value == "mailto:india@sakura-alumni.example"
    assert parse_icaljs(ics, tmp_path)["events"][0]["attendees"] == ["mailto:priya@example.in"]


def test_multi_day_all_day_event_spans_its_days(tmp_path):
    ics = to_ics(build_calendar([item(all_day=True, starts_at=datetime(2026, 1, 17), ends_at=datetime(2026, 1, 19))],
                                stamp=STAMP))
    ev = parse_vobject(ics).vevent
    assert str(ev.dtstart.value) == "2026-01-17" and str(ev.dtend.value) == "2026-01-20"
    js = parse_icaljs(ics, tmp_path)["events"][0]
    assert js["is_date"] and js["start_local"] == "2026-01-17" and js["end_local"] == "2026-01-20"


def test_alarm_a_day_before_by_default_and_none_on_request():
    with_alarm = parse_vobject(to_ics(build_calendar([item()], stamp=STAMP)))
    assert with_alarm.vevent.valarm.trigger.value == timedelta(days=-1)
    without = parse_vobject(to_ics(build_calendar([item()], stamp=STAMP, alarm_minutes=None)))
    assert not hasattr(without.vevent, "valarm")


def test_lines_fold_at_75_octets_without_splitting_characters():
    title = "भारत-जापान विश्वविद्यालय मंच — 第4回日印大学等フォーラム — منتدى الجامعات" * 2
    ics = to_ics(build_calendar([item(summary=title)], stamp=STAMP))
    for line in ics.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # each physical line is whole UTF-8: no character cut in two
    assert parse_vobject(ics).vevent.summary.value == title


def test_feed_headers():
    ics = to_ics(build_calendar([item()], stamp=STAMP, name="Sakura Science Club events",
                                refresh=timedelta(hours=1)))
    text = ics.decode()
    assert "X-WR-CALNAME:Sakura Science Club events" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text


def test_google_link_carries_local_times_and_zone():
    link = google_calendar_link(item())
    assert "dates=20260117T180000%2F20260117T210000" in link and "ctz=Asia%2FKolkata" in link
