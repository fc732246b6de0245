"""The migrations build exactly the models: no pending autogenerate diff, and they go down and up."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from alumni.extensions import db


def pending_diff():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_the_models():
    assert pending_diff() == []


def test_migrations_go_down_and_up_again():
    downgrade(revision="base")
    upgrade()
    assert pending_diff() == []
    from alumni.models import Programme

    assert db.session.query(Programme).count() == 8


def test_cohort_migration_fills_members_already_there():
    """0008 stores each member's first inbound participation: members imported before it get
    theirs from the upgrade (earliest start; outbound ones never count)."""
    import sqlalchemy as sa

    downgrade(revision="0007_invitations")
    with db.engine.begin() as conn:
        def member(email):
            return conn.execute(sa.text(
                "INSERT INTO members (email, given_name, family_name, native_name, family_name_first, search_key,"
                " country, preferred_language, timezone, field, visibility, calendar_alarm_minutes, created_at,"
                " updated_at) VALUES (:e, 'A', 'B', '', false, '', 'IN', 'en', 'UTC', '', 'members', 1440,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"), {"e": email}).scalar()

        twice, outbound_only = member("twice@example.org"), member("outbound@example.org")
        for member_id, code, fy, direction, start, end in (
                (twice, "SSP-A", 2019, "inbound", "2019-05-10", "2019-05-20"),
                (twice, "SSP-D", 2016, "outbound", "2016-05-10", "2016-05-20"),
                (twice, "LOTUS", 2017, "inbound", "2018-02-01", "2018-03-31"),
                (outbound_only, "SSP-D", 2020, "outbound", "2020-07-01", "2020-07-10")):
            conn.execute(sa.text(
                "INSERT INTO participations (member_id, programme_code, fiscal_year, direction, start_date, end_date)"
                " VALUES (:m, :c, :fy, :d, :s, :e)"),
                {"m": member_id, "c": code, "fy": fy, "d": direction, "s": start, "e": end})
    upgrade()
    with db.engine.connect() as conn:
        rows = {r.email: r for r in conn.execute(sa.text(
            "SELECT email, cohort, cohort_programme, first_inbound_start, first_inbound_end FROM members"))}
    twice_row = rows["twice@example.org"]
    assert (twice_row.cohort, twice_row.cohort_programme) == (2017, "LOTUS")
    assert str(twice_row.first_inbound_start) == "2018-02-01" and str(twice_row.first_inbound_end) == "2018-03-31"
    assert rows["outbound@example.org"].cohort is None
    from alumni.services.cohorts import cohort_drift

    assert cohort_drift(db.session) == []


def test_mail_columns_migration_fills_rows_already_there():
    """0018 gives outgoing mail its event and purpose: rows queued before it get them from the
    mailing name, the calendar reply's key and the kind; a deleted event leaves no event."""
    import sqlalchemy as sa

    from tests.factories import make_event, make_member

    event, member = make_event(), make_member()
    db.session.flush()
    event_id, member_id = event.id, member.id
    db.session.commit()
    db.session.close()  # no open transaction holding the tables the downgrade alters
    downgrade(revision="0017_names")
    rows = (  # dedup_key, mailing, kind
        (f"invite:{event_id}:{member_id}", f"event:{event_id}:invite", "invitation"),
        (f"reminder:1d:{event_id}:{member_id}", f"event:{event_id}:reminder:1d", "reminder"),
        (f"update:{event_id}:2:{member_id}", f"event:{event_id}:update:2", "update"),
        ("seat:7:1790000000", f"event:{event_id}:seat", "promotion"),
        (f"calendar-reply:{event_id}:{member_id}:abc", "", "calendar-reply"),
        ("account:verify:3:abc", "", "account-verify"),
        (f"email_change_notice:{member_id}:new@example.org:2026-11-28", "", "email-change-notice"),
        (f"invite:99999:{member_id}", "event:99999:invite", "invitation"),
    )
    with db.engine.begin() as conn:
        for n, (key, mailing, kind) in enumerate(rows):
            conn.execute(sa.text(
                "INSERT INTO outgoing_mail (dedup_key, mailing, kind, recipient, member_id, language, subject,"
                " text_body, headers, message_id, status, attempts, next_attempt_at, created_at)"
                " VALUES (:k, :m, :kind, 'a@example.org', :member, 'en', 's', 't', '{}', :mid, 'sent', 1,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {"k": key, "m": mailing, "kind": kind, "member": member_id, "mid": f"<{n}@test>"})
    upgrade()
    with db.engine.connect() as conn:
        found = {r.dedup_key: (r.event_id, r.purpose) for r in conn.execute(sa.text(
            "SELECT dedup_key, event_id, purpose FROM outgoing_mail"))}
    assert [found[key] for key, _mailing, _kind in rows] == [
        (event_id, "invitation"), (event_id, "reminder"), (event_id, "update"), (event_id, "promotion"),
        (event_id, "calendar_reply"), (None, "account"), (None, "email_change"), (None, "invitation")]
