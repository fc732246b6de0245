"""Merge two members, then undo: the database is as it was (every table compared)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.models import (
    AuditEntry,
    Document,
    Member,
    MemberEmail,
    Participation,
    Registration,
    RegistrationStatus,
    User,
)
from alumni.services import audit
from alumni.services import documents as dsvc
from alumni.services import registrations as rsvc
from alumni.services.merges import merge_members, referencing, undo_merge
from alumni.services.privacy import accept_notice
from tests.factories import make_career, make_event, make_member, make_participation, make_return, make_user

#: Tables the merge and its undo write to on purpose: the merge log, and the audit entries of the
#: merge and of the undo (the entries that existed before are compared like any other row).
LOG_TABLES = {"member_merges"}


def dump() -> dict[str, list[tuple]]:
    """Every row of every table, all columns, sorted."""
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name in LOG_TABLES:
            continue
        rows = db.session.execute(select(table)).all()
        out[table.name] = sorted((tuple(audit.plain(v) for v in row) for row in rows), key=repr)
    return out


def world():
    kept = make_member(given_name="Wei", family_name="Zhang", country="CN", email="wei.zhang@example.org")
    dup = make_member(given_name="伟", family_name="张", family_name_first=True, country="CN",
                      email="zhangwei@mail.example.cn", native_name="张伟")
    make_participation(kept, start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))
    twice = make_participation(dup, start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))  # imported twice
    make_participation(dup, programme="SSP-B", start_date=date(2021, 7, 1), end_date=date(2021, 7, 20))
    make_career(dup)
    make_return(dup)
    make_user("member", member=kept)
    make_user("member", member=dup)
    accept_notice(dup)
    both = make_event("IN", capacity=10)
    only_dup = make_event("IN", capacity=10)
    rsvc.respond(both, kept, "no")
    rsvc.respond(both, dup, "yes")
    rsvc.respond(only_dup, dup, "maybe")
    dsvc.participation_certificate(twice, actor=make_user("staff"))
    db.session.commit()
    return kept, dup, both


def test_every_foreign_key_to_members_is_found():
    tables = {t.name for t, _c in referencing(Member.__table__)}
    assert {"participations", "career_entries", "return_visits", "registrations", "users", "audit_log",
            "consents", "documents", "member_emails"} <= tables


def test_merge_moves_everything_and_undo_restores_every_table():
    kept, dup, both = world()
    kept_id, dup_id, dup_email = kept.id, dup.id, dup.email
    before = dump()
    merge = merge_members(kept, dup, choices={"native_name": "duplicate"}, actor=None)
    db.session.commit()

    assert db.session.get(Member, dup_id) is None
    merged = db.session.get(Member, kept_id)
    assert merged.native_name == "张伟" and merged.given_name == "Wei"
    assert {(p.programme_code, p.start_date) for p in merged.participations} == {
        ("SSP-A", date(2019, 7, 1)), ("SSP-B", date(2021, 7, 1))}
    assert len(merged.careers) == 1 and len(merged.returns) == 1
    regs = db.session.scalars(select(Registration).where(Registration.event_id == both.id)).all()
    assert [(r.member_id, r.status) for r in regs] == [(kept_id, RegistrationStatus.yes)]  # the stronger stays
    assert db.session.scalar(select(MemberEmail.member_id).where(MemberEmail.email == dup_email)) == kept_id
    assert db.session.scalar(select(User.member_id).where(User.email == dup_email)) is None  # kept, unlinked
    document = db.session.scalars(select(Document)).one()
    assert document.member_id == kept_id
    assert db.session.get(Participation, document.participation_id).member_id == kept_id

    undo_merge(merge, actor=None)
    db.session.commit()
    after = dump()
    # The audit log: the entries from before are back as they were (moved ones restored); the
    # only new ones are the merge's and the undo's.
    old_entries, new_entries = before.pop("audit_log"), after.pop("audit_log")
    added = [row for row in new_entries if row not in old_entries]
    assert [row for row in new_entries if row in old_entries] == old_entries
    action = list(AuditEntry.__table__.c.keys()).index("action")
    assert sorted(row[action] for row in added) == ["member.merge_undone", "member.merged"]
    assert after == before, "undo left the database different"


def test_undo_twice_and_self_merge_are_refused():
    a, b = make_member(), make_member()
    with pytest.raises(Invalid):
        merge_members(a, a, actor=None)
    merge = merge_members(a, b, actor=None)
    db.session.commit()
    undo_merge(merge, actor=None)
    db.session.commit()
    with pytest.raises(Invalid):
        undo_merge(merge, actor=None)


def test_a_later_merge_must_be_undone_first():
    a, b, c = make_member(), make_member(), make_member()
    first = merge_members(a, b, actor=None)
    db.session.commit()
    second = merge_members(db.session.get(Member, a.id), c, actor=None)
    db.session.commit()
    with pytest.raises(Invalid):
        undo_merge(first, actor=None)
    undo_merge(second, actor=None)
    undo_merge(first, actor=None)
    db.session.commit()
    assert db.session.get(Member, b.id) is not None and db.session.get(Member, c.id) is not None


def test_a_table_added_later_is_moved_and_restored_without_code_changes():
    """Tables other work adds (ORCID links, update-round recipients) need nothing here."""
    from sqlalchemy import Column, ForeignKey, Integer, String, Table, insert

    extra = Table("later_links", db.metadata, Column("id", Integer, primary_key=True),
                  Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), unique=True),
                  Column("note", String(20)))
    extra.create(db.session.connection())
    db.session.commit()
    try:
        kept, dup, other = make_member(), make_member(), make_member()
        db.session.execute(insert(extra).values([{"id": 1, "member_id": dup.id, "note": "dup's"},
                                                 {"id": 2, "member_id": other.id, "note": "other's"}]))
        db.session.commit()
        before = dump()
        merge = merge_members(kept, dup, actor=None)
        db.session.commit()
        assert db.session.execute(select(extra.c.member_id).where(extra.c.id == 1)).scalar_one() == kept.id
        undo_merge(merge, actor=None)
        db.session.commit()
        after = dump()
        before.pop("audit_log"), after.pop("audit_log")
        assert after == before
    finally:
        db.session.rollback()
        extra.drop(db.session.connection())
        db.session.commit()
        db.metadata.remove(extra)
