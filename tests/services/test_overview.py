"""The staff overview's figures on hand-built data."""
from datetime import date

from alumni.extensions import db
from alumni.services.overview import (
    came_back_by_cohort,
    members_by_country,
    overview,
    overview_csv_rows,
    where_alumni_work_now,
)
from tests.factories import make_career, make_member, make_participation, make_return


def test_top_countries_and_the_rest():
    for country in ["IN", "IN", "IN", "VN", "VN", "KE"]:
        make_member(country=country)
    assert members_by_country(top=2) == ([("IN", 3), ("VN", 2)], 1)


def test_where_alumni_work_now_counts_current_entries_and_japanese_abroad():
    a, b = make_member(country="IN"), make_member(country="JP")
    make_career(a, country="IN", role="engineer", start_date=date(2018, 1, 1), end_date=date(2020, 1, 1))
    make_career(a, country="JP", role="researcher", start_date=date(2020, 2, 1))
    make_participation(b, programme="NEXUS-YTEC", direction="outbound", start_date=date(2019, 5, 1),
                       end_date=date(2019, 6, 1))
    make_career(b, country="TH", role="faculty", start_date=date(2021, 1, 1))
    assert where_alumni_work_now() == {"all": [("JP", 1), ("TH", 1)], "japanese_abroad": [("TH", 1)]}


def test_came_back_share_by_cohort_counts_any_kind_once():
    back, stayed, outbound = make_member(), make_member(), make_member(country="JP")
    for m in (back, stayed):
        make_participation(m, start_date=date(2020, 3, 25), end_date=date(2020, 3, 31))
    make_return(back, purpose="study", start_date=date(2021, 1, 1))
    make_career(back, country="JP", role="engineer", start_date=date(2022, 1, 1))
    make_participation(outbound, programme="SSP-D", direction="outbound", start_date=date(2020, 5, 1),
                       end_date=date(2020, 6, 1))
    assert came_back_by_cohort() == [{"fiscal_year": 2019, "members": 2, "came_back": 1, "share": 0.5}]
    data = overview()
    assert (data["members"], data["invited"], data["came_back"], data["came_back_share"]) == (3, 2, 1, 0.5)


def test_came_back_agrees_with_the_returnee_report_of_any_kind():
    from sqlalchemy import func, select

    from alumni.extensions import db
    from alumni.services.reports import ReturneeFilters, returnees_query

    for i in range(6):
        m = make_member()
        make_participation(m, start_date=date(2018 + i % 3, 7, 1), end_date=date(2018 + i % 3, 7, 7))
        if i % 2:
            make_return(m, purpose=["research", "study", "employment"][i % 3], start_date=date(2022, 1, 1))
        if i == 4:
            make_career(m, country="JP", role="government", start_date=date(2018, 7, 3))  # before the end
    back = returnees_query(ReturneeFilters(), any_kind=True)
    expected = dict(db.session.execute(select(back.c.cohort, func.count()).group_by(back.c.cohort)).all())
    assert {c["fiscal_year"]: c["came_back"] for c in came_back_by_cohort() if c["came_back"]} == expected


def test_events_held_by_fiscal_year_with_confirmed_seats_and_check_ins():
    """Held = published and over. A cancelled event, an event still to come and a draft are
    not counted; the fiscal year is that of the (local) start date: March 2025 is FY2024."""
    from datetime import datetime, timedelta

    from sqlalchemy import update

    from alumni.extensions import db
    from alumni.models import Event
    from alumni.services import events as event_svc
    from alumni.services import registrations as reg_svc
    from alumni.services.overview import events_held
    from tests.factories import make_event

    people = [make_member() for _ in range(4)]
    march, may, cancelled, coming = (make_event(title=t) for t in ("March", "May", "Cancelled", "Coming"))
    draft = make_event(title="Draft", publish=False)
    for person in people[:3]:
        reg_svc.respond(march, person, "yes")
    reg_svc.respond(march, people[3], "no")
    reg_svc.respond(may, people[0], "yes")
    reg_svc.respond(cancelled, people[1], "yes")
    db.session.commit()
    for person in people[:2]:
        reg_svc.check_in(reg_svc.find_registration(march, person))
    event_svc.cancel_event(cancelled)
    db.session.commit()
    for event, start in ((march, datetime(2025, 3, 20, 18)), (may, datetime(2025, 5, 10, 18)),
                         (cancelled, datetime(2025, 6, 1, 18)), (draft, datetime(2025, 6, 2, 18))):
        db.session.execute(update(Event).where(Event.id == event.id)
                           .values(starts_at=start, ends_at=start + timedelta(hours=3)))
    db.session.commit()
    assert events_held() == [
        {"fiscal_year": 2024, "events": 1, "confirmed": 3, "attended": 2, "attendance_rate": 2 / 3},
        {"fiscal_year": 2025, "events": 1, "confirmed": 1, "attended": 0, "attendance_rate": 0.0},
    ]
    assert coming.ends_at > datetime.now()


def test_public_counts_count_only_what_the_public_may_see():
    """Issue 23, item 10: the home page counted hidden and alumni-only members."""
    from alumni.services.home import club_numbers
    from tests.factories import make_chapter

    make_chapter("IN", "India chapter", ("IN",))
    shown = make_member(country="IN", visibility="public")
    make_participation(shown)
    for visibility, country in (("members", "KE"), ("hidden", "NP")):
        make_participation(make_member(country=country, visibility=visibility))
    numbers = club_numbers(None)  # a visitor
    assert (numbers.members, numbers.countries, numbers.participations, numbers.chapters) == (1, 1, 1, 1)


def test_the_home_page_shows_the_public_counts(client):
    from alumni.services.home import club_numbers

    make_member(country="IN", visibility="public")
    for _ in range(7):
        make_member(country="KE", visibility="hidden")
    assert club_numbers(None).members == 1
    html = client.get("/").get_data(as_text=True)
    assert "<strong>8</strong>" not in html and "<strong>1</strong>" in html


def test_the_publication_csv_gives_no_countrys_small_count_away_through_the_total():
    """Six members from India, one from Kenya, and the coverage rows say 7 members in all: India's
    6 would tell Kenya's 1, so for publication India is "≥5"; the staff CSV keeps the numbers."""
    for country in ["IN"] * 6 + ["KE"]:
        make_member(country=country)
    db.session.commit()
    published = {row[1]: row[3] for row in overview_csv_rows(publication=True) if row[0] == "members_by_country"}
    assert published["IN"] == "≥5" and published["KE"] == "<5"
    full = {row[1]: row[3] for row in overview_csv_rows() if row[0] == "members_by_country"}
    assert full["IN"] == 6 and full["KE"] == 1
