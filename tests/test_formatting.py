"""Dates, times, numbers and zones are written by Babel the reader's way (alumni/formatting.py),
no hand-built pattern is left where a person reads, and charts lay out right to left in Arabic."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.dates import format_date, format_skeleton, format_time, get_timezone_name

from alumni import formatting as f

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2027, 1, 23, 18, 0)  # wall-clock time in the event's zone
END = datetime(2027, 1, 23, 21, 30)


def test_a_japanese_reader_sees_the_japanese_way():
    assert f.event_datetime(START, "Asia/Kolkata", "ja") == "2027年1月23日(土) 18:00"
    assert f.event_range(START, END, "Asia/Kolkata", "ja") == "2027年1月23日(土) 18:00～21:30"
    assert f.zone_name("Asia/Kolkata", START, "ja") == "インド標準時"
    assert f.date_short(date(2027, 1, 23), locale="ja") == "2027年1月23日"


@pytest.mark.parametrize("locale", ["en", "ja", "zh_Hans", "hi", "th", "ar", "fr", "es", "id", "vi"])
def test_every_locale_gets_its_own_day_time_and_zone(locale):
    day = format_skeleton("yMMMEd", START, locale=locale)
    start, end = format_time(START, "short", locale=locale), format_time(END, "short", locale=locale)
    text = f.event_range(START, END, "Asia/Kolkata", locale)
    assert day in text and start in text and end in text
    assert "EEE" not in text and "HH" not in text
    aware = START.replace(tzinfo=f._zone("Asia/Kolkata"))
    assert f.zone_name("Asia/Kolkata", START, locale) == get_timezone_name(aware, "long", locale=locale)
    # the full (mail) form: the locale's full date
    assert format_date(START.date(), "full", locale=locale) in f.event_range(START, END, "Asia/Kolkata", locale,
                                                                            full=True)


def test_times_follow_the_locale_clock_and_order():
    assert f.event_time(START, "UTC", "en").replace("\u202f", " ") == "6:00 PM"  # 12-hour
    assert f.event_time(START, "UTC", "fr") == "18:00"
    assert f.event_time(START, "UTC", "id") == "18.00"
    assert f.event_datetime(START, "UTC", "vi").startswith("18:00")  # Vietnamese: the time first


def test_ranges_over_days_and_zones():
    two_days = f.event_range(datetime(2030, 1, 17, 18), datetime(2030, 1, 19, 12), "Asia/Kolkata", "en")
    assert "Jan 17, 2030" in two_days and "Jan 19, 2030" in two_days
    # an aware UTC moment is shown in the zone asked for
    moment = datetime(2026, 11, 28, 7, 52, tzinfo=UTC)
    assert f.event_time(moment, "Asia/Kolkata", "ja") == "13:22"
    assert f.moment_short(moment, "Asia/Kolkata", "ja") == "11月28日 13:22"
    assert f.zone_name("Europe/Paris", datetime(2027, 7, 1, 12), "en") == "Central European Summer Time"
    assert f.zone_offset("Asia/Kolkata", START, "en") == "GMT+05:30"
    assert f.zone_name("Not/AZone", START, "en") == "Coordinated Universal Time"  # an unknown zone: UTC


def test_numbers_and_percentages_by_the_locale():
    assert f.number(12345, "en") == "12,345"
    assert f.number(12345, "fr") == "12\u202f345"
    assert f.percent(0.42, "fr") == "42\u00a0%"
    assert f.number(None) == "" and f.date_short(None) == ""


def test_templates_have_the_formatters(app):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("ja"):
        out = render_template_string("{{ day|date_short }}|{{ 1234|number }}|{{ event_range(a, b, 'Asia/Tokyo') }}",
                                     day=date(2027, 1, 23), a=START, b=END)
    assert out == "2027年1月23日|1,234|2027年1月23日(土) 18:00～21:30"


# ---------------------------------------------------------------- no fixed patterns for people
#: Machine formats only: calendar files and links (ICS, Google's dates=), the CLI's ISO output,
#: log lines, reprs, and the value format of <input type="datetime-local">.
ALLOWED = {"alumni/calendar.py", "alumni/cli.py", "alumni/web/hardening.py", "alumni/models/workers.py",
           "alumni/forms/events.py"}
FIXED = re.compile(
    r"strftime\(|formatTime\(|\{[^{}\n]*:%[A-Za-z]"  # strftime, f"{when:%d %b}"
    r"|[\"'][^\"'\n]*%[YmdHMSbBaAIp][^\"'\n]*%[YmdHMSbBaAIp]"  # "%d/%m/%Y"
    r"|(?:datetimeformat|dateformat|timeformat)\(\s*[\"'][^\"']*(?:yy|MM|dd|HH|hh|mm|EEE)"  # Babel patterns
    r"|format_(?:datetime|date|time)\([^)]*[\"'][^\"']*(?:yy|MMM|dd|HH|EEE)")


def test_no_hand_built_date_pattern_where_people_read():
    found = []
    for path in sorted([*ROOT.glob("alumni/**/*.py"), *ROOT.glob("templates/**/*.html"),
                        *ROOT.glob("templates/**/*.txt")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FIXED.search(line):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert not found, "dates for people go through alumni/formatting.py:\n" + "\n".join(found)


def test_the_pattern_check_finds_what_it_should():
    for line in ['when.strftime("%d %b")', 'f"{when:%d %b %Y}"', '"%Y-%m-%d"', "x|datetimeformat('EEE d MMM y')",
                 'format_datetime(m, "EEE d MMM y, HH:mm", locale=l)']:
        assert FIXED.search(line), line
    for line in ['log.warning("%d message(s) deferred: %s", n, why)', "x|dateformat('medium')",
                 'format_date(d, "full", locale=l)']:
        assert not FIXED.search(line), line


# ---------------------------------------------------------------- charts right to left
def test_charts_are_mirrored_in_arabic_and_not_otherwise(app):
    from flask_babel import force_locale

    from alumni.web import charts

    series = {"قصيرة الأجل (30 يومًا أو أقل)": [1, 2], "متوسطة/طويلة الأجل": [0, 1]}
    with app.test_request_context("/"):
        with force_locale("ar"):
            arabic = str(charts.stacked_chart("المشاركون", ["2023", "2024"], series))
            bars = str(charts.bar_chart("الأعضاء", [("الهند", 1234)], horizontal=True))
        with force_locale("en"):
            english = str(charts.stacked_chart("Participants", ["2023", "2024"], series))
    assert 'transform="matrix(-1 0 0 1 760 0)"' in arabic and "matrix(-1" not in english
    # each text mirrored back in place, its words isolated right to left (the parentheses whole)
    assert "\u2067قصيرة الأجل (30 يومًا أو أقل)\u2069</text>" in arabic
    assert "text-anchor:end" in arabic.split("</style>")[0]
    assert arabic.count("<text") == arabic.count("scale(-1 1)")
    assert "1,234" in bars  # the value axis and values as the locale writes numbers
    # the English chart is pygal's own, untouched
    assert "\u2067" not in english
