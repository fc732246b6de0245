"""The cohort is the fiscal year of the first inbound participation, by start date."""
from datetime import date

from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Member
from alumni.services.cohorts import ranked_first_inbound
from tests.factories import make_member, make_participation


def test_cohort_is_the_earliest_inbound_participation():
    a = make_member(country="IN")
    make_participation(a, programme="SSP-B", start_date=date(2021, 6, 1), end_date=date(2021, 6, 21))
    make_participation(a, programme="SSP-A", start_date=date(2019, 3, 25), end_date=date(2019, 3, 31))
    jp = make_member(country="JP")
    make_participation(jp, programme="NEXUS-YTEC", direction="outbound",
                       start_date=date(2018, 5, 1), end_date=date(2018, 6, 30))
    first = ranked_first_inbound()
    rows = db.session.execute(select(first.c.member_id, first.c.programme_code, first.c.cohort,
                                     first.c.end_date)).all()
    assert rows == [(a.id, "SSP-A", 2018, date(2019, 3, 31))]  # March 2019 is FY2018
    stored = db.session.execute(select(Member.id, Member.cohort_programme, Member.cohort, Member.first_inbound_end)
                                .where(Member.cohort.is_not(None))).all()
    assert stored == rows


# --- the stored first inbound participation follows every change --------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from alumni.services import members as member_svc  # noqa: E402
from alumni.services.cohorts import cohort_drift  # noqa: E402


def stored(member):
    db.session.expire_all()
    m = db.session.get(Member, member.id)
    return m.cohort, m.cohort_programme, m.first_inbound_start, m.first_inbound_end


def test_stored_cohort_follows_added_moved_and_deleted_participations():
    m = make_member()
    assert stored(m) == (None, None, None, None)
    later = make_participation(m, programme="SSP-B", start_date=date(2021, 6, 1), end_date=date(2021, 6, 21))
    assert stored(m) == (2021, "SSP-B", date(2021, 6, 1), date(2021, 6, 21))
    earlier = make_participation(m, programme="SSP-A", start_date=date(2019, 3, 25), end_date=date(2019, 3, 31))
    assert stored(m) == (2018, "SSP-A", date(2019, 3, 25), date(2019, 3, 31))
    # The object in the session sees the new values without a reload.
    member_svc.update_participation(earlier, {"start_date": "2022-04-01", "end_date": "2022-04-07"})
    assert (m.cohort, m.cohort_programme) == (2021, "SSP-B")
    db.session.commit()
    assert stored(m) == (2021, "SSP-B", date(2021, 6, 1), date(2021, 6, 21))
    member_svc.delete_record(later)
    db.session.commit()
    assert stored(m) == (2022, "SSP-A", date(2022, 4, 1), date(2022, 4, 7))
    member_svc.delete_record(earlier)
    db.session.commit()
    assert stored(m) == (None, None, None, None)
    assert cohort_drift(db.session) == []


def test_outbound_participations_never_make_a_cohort_and_ties_go_to_the_first_recorded():
    jp = make_member(country="JP")
    make_participation(jp, programme="NEXUS-YTEC", direction="outbound",
                       start_date=date(2018, 5, 1), end_date=date(2018, 6, 30))
    assert stored(jp)[0] is None
    tied = make_member()
    make_participation(tied, programme="SSP-C", start_date=date(2020, 8, 1), end_date=date(2020, 8, 5))
    make_participation(tied, programme="SSP-A", start_date=date(2020, 8, 1), end_date=date(2020, 8, 3))
    assert stored(tied)[:2] == (2020, "SSP-C")
    assert cohort_drift(db.session) == []


def test_a_rolled_back_change_leaves_the_stored_cohort_as_it_was():
    m = make_member()
    make_participation(m, programme="SSP-B", start_date=date(2021, 6, 1), end_date=date(2021, 6, 21))
    member_svc.add_participation(m, {"programme": "SSP-A", "start_date": "2017-07-01", "end_date": "2017-07-07"})
    db.session.rollback()
    assert stored(m)[:2] == (2021, "SSP-B")


def test_drift_is_reported_when_the_stored_values_disagree():
    """The check the other tests rely on does find a wrong row."""
    m = make_member()
    make_participation(m, programme="SSP-B", start_date=date(2021, 6, 1), end_date=date(2021, 6, 21))
    other = make_member()
    db.session.execute(Member.__table__.update().where(Member.id == m.id).values(cohort=2020))
    db.session.execute(Member.__table__.update().where(Member.id == other.id).values(cohort=2019))
    assert cohort_drift(db.session) == [m.id, other.id]


PROGRAMMES = ["SSP-A", "SSP-B", "SSP-D", "LOTUS"]
operation = st.tuples(st.sampled_from(["add", "move", "delete"]), st.integers(0, 2), st.sampled_from(PROGRAMMES),
                      st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 12, 1)),
                      st.sampled_from(["inbound", "outbound"]))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=12))
def test_any_sequence_of_changes_keeps_the_stored_cohorts_right(operations):
    """Whatever is added, moved or deleted through the services, the stored values equal a fresh
    ranking of the participations."""
    from alumni.errors import ServiceError
    from alumni.models import Participation

    people = [make_member() for _ in range(3)]
    for action, who, programme, start, direction in operations:
        member = people[who]
        if direction == "outbound" and programme not in ("SSP-D", "NEXUS-YTEC"):
            programme = "SSP-D"
        try:
            if action == "add":
                member_svc.add_participation(member, {"programme": programme, "direction": direction,
                                                      "start_date": start.isoformat(),
                                                      "end_date": start.isoformat()})
            else:
                current = db.session.scalars(select(Participation).where(Participation.member_id == member.id)
                                             .order_by(Participation.id)).first()
                if current is None:
                    continue
                if action == "move":
                    member_svc.update_participation(current, {"start_date": start.isoformat(),
                                                              "end_date": start.isoformat()})
                else:
                    member_svc.delete_record(current)
            db.session.commit()
        except ServiceError:
            db.session.rollback()
        assert cohort_drift(db.session) == []
    db.session.execute(Participation.__table__.delete())
    db.session.execute(Member.__table__.delete())
    db.session.commit()
