"""Merging a duplicate member into the kept one, and undoing it.

Generic on purpose: every foreign key that points at members.id is found in the models' metadata
(`db.metadata.sorted_tables`), so a table added later (update-round recipients, ORCID links) is
moved and restored without a change here. Where moving a row would break a unique constraint
(one registration per member and event, one account per member, one participation per programme
and start), the two rows are resolved:

- registrations: the stronger one stays (checked in, then yes, waitlisted, maybe, no, cancelled);
  the weaker one is deleted after its own dependants (answers, documents) moved to the stronger;
- a nullable link (an account, `users.member_id`): the kept member's account stays linked; the
  duplicate's account stays too, unlinked, so nobody loses a login (staff may delete it);
- any other row (a participation imported twice): the kept member's row stays, the duplicate's
  is deleted after its dependants (documents) moved to it.

Every change is an op in the merge's snapshot — update (table, pk, column, old, new), delete
(the whole row), insert (pk) and the kept member's whole row before — and undo replays them
backwards, so the database is as it was (tests/services/test_merges.py compares every table).
"""
from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Enum, Table, UniqueConstraint, and_, delete, insert, or_, select, update
from sqlalchemy.types import Date, DateTime

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Member, MemberEmail, MemberMerge, RegistrationStatus, User
from alumni.models.types import utcnow
from alumni.services import audit
from alumni.services.cohorts import refresh_cohorts
from alumni.services.search import member_search_key

#: The fields staff choose one by one on the merge page (the rest follow the kept member).
MERGE_FIELDS = ("email", "given_name", "family_name", "native_name", "family_name_first", "country",
                "preferred_language", "timezone", "field", "visibility")
#: Registration strength, strongest first.
_STRENGTH = [RegistrationStatus.yes, RegistrationStatus.waitlisted, RegistrationStatus.maybe,
             RegistrationStatus.no, RegistrationStatus.cancelled]
Row = Mapping[Any, Any]
Op = dict[str, Any]


# ---------------------------------------------------------------- metadata
def referencing(table: Table) -> Iterator[tuple[Table, Column[Any]]]:
    """(table, column) of every foreign key that points at `table`."""
    for other in db.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table:
                yield other, fk.parent


def _unique_sets(table: Table, column: Column[Any]) -> list[list[Column[Any]]]:
    """The unique column sets of `table` that include `column`."""
    sets = [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    sets += [list(i.columns) for i in table.indexes if i.unique]
    sets += [[c] for c in table.columns if c.unique]
    return [s for s in sets if any(c is column for c in s)]


def _pk(table: Table, row: Row) -> list[Any]:
    return [audit.plain(row[c.name]) for c in table.primary_key.columns]


def _where_pk(table: Table, pk: list[Any]) -> Any:
    return and_(*(c == _revive(c, v) for c, v in zip(table.primary_key.columns, pk, strict=True)))


def _revive(column: Column[Any], value: Any) -> Any:
    """A JSON-kept value as the column takes it back."""
    if value is None:
        return None
    kind = column.type
    impl = getattr(kind, "impl", kind)
    if isinstance(kind, Enum) and kind.enum_class is not None and issubclass(kind.enum_class, enum.Enum):
        return kind.enum_class(value)
    if isinstance(impl, DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(impl, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _plain_row(row: Row) -> dict[str, Any]:
    return {k: audit.plain(v) for k, v in row.items()}


# ---------------------------------------------------------------- the ops, done and logged
def _stamps(table: Table, row: Row) -> dict[str, Any]:
    """The row's columns that change by themselves on an update (`updated_at`): a merge moves
    rows, it does not edit them, so these keep their values — and undo writes them back."""
    return {c.name: row[c.name] for c in table.columns if c.onupdate is not None}


def _update(ops: list[Op], table: Table, row: Row, column: str, value: Any) -> None:
    pk = _pk(table, row)
    stamps = _stamps(table, row)
    db.session.execute(update(table).where(_where_pk(table, pk)).values({**stamps, column: value}))
    ops.append({"op": "update", "table": table.name, "pk": pk, "column": column,
                "old": audit.plain(row[column]), "new": audit.plain(value), "stamps": _plain_row(stamps)})


def _delete(ops: list[Op], table: Table, row: Row) -> None:
    db.session.execute(delete(table).where(_where_pk(table, _pk(table, row))))
    ops.append({"op": "delete", "table": table.name, "row": _plain_row(row)})


def move_references(ops: list[Op], table: Table, old_id: int, new_id: int) -> None:
    """Point every row that references `table`'s row `old_id` at `new_id`, resolving unique clashes."""
    for other, column in list(referencing(table)):
        for row in db.session.execute(select(other).where(column == old_id)).mappings().all():
            clash = _clashing_row(other, column, row, new_id)
            if clash is None:
                _update(ops, other, row, column.name, new_id)
            else:
                _resolve(ops, other, column, row, clash, new_id)


def _clashing_row(table: Table, column: Column[Any], row: Row, new_id: int) -> Row | None:
    for columns in _unique_sets(table, column):
        others = [c for c in columns if c is not column]
        if any(row[c.name] is None for c in others):
            continue  # NULLs never clash
        stmt = select(table).where(column == new_id, *(c == row[c.name] for c in others))
        found = db.session.execute(stmt).mappings().first()
        if found is not None:
            return found
    return None


def _stronger(a: Row, b: Row) -> bool:
    """Is registration `a` at least as strong as `b`?"""
    def rank(r: Row) -> tuple[int, int]:
        return (0 if r["checked_in_at"] else 1, _STRENGTH.index(RegistrationStatus(r["status"])))
    return rank(a) <= rank(b)


def _resolve(ops: list[Op], table: Table, column: Column[Any], moving: Row, staying: Row, new_id: int) -> None:
    is_registration = table.name == "registrations"
    if is_registration and not _stronger(staying, moving):
        move_references(ops, table, staying["id"], moving["id"])
        _delete(ops, table, staying)
        _update(ops, table, moving, column.name, new_id)
    elif column.nullable and not is_registration:
        _update(ops, table, moving, column.name, None)
    else:
        move_references(ops, table, moving["id"], staying["id"])
        _delete(ops, table, moving)


# ---------------------------------------------------------------- merge
def _member_row(member_id: int) -> Row:
    row = db.session.execute(select(Member.__table__).where(Member.__table__.c.id == member_id)).mappings().first()
    if row is None:
        raise Invalid(_("This member no longer exists."))
    return row


def _keep_alias(ops: list[Op], member_id: int, email: str) -> None:
    """The address the kept record does not take becomes another address of it (unless it is one
    already, of anyone)."""
    if db.session.scalar(select(MemberEmail.id).where(MemberEmail.email == email)) is not None:
        return
    alias_id = db.session.execute(insert(MemberEmail.__table__).values(
        member_id=member_id, email=email, created_at=utcnow()).returning(MemberEmail.__table__.c.id)).scalar_one()
    ops.append({"op": "insert", "table": "member_emails", "pk": [alias_id]})


def _check_pair(kept: Member, duplicate: Member, choices: Mapping[str, str]) -> None:
    if kept.id == duplicate.id:
        raise Invalid(_("A member cannot be merged with themselves."), field="duplicate_id")
    for name, side in choices.items():
        if name not in MERGE_FIELDS or side not in ("kept", "duplicate"):
            raise Invalid(_("Unknown choice: %(name)s.", name=name), field=name)


def merge_members(kept: Member, duplicate: Member, *, choices: Mapping[str, str] | None = None,
                  actor: User | None) -> MemberMerge:
    """Merge `duplicate` into `kept`: `choices` says per field (MERGE_FIELDS) whose value the kept
    record takes ("kept", the default, or "duplicate"). The duplicate's other address becomes an
    alias of the kept member. Flushes; the caller commits."""
    choices = dict(choices or {})
    _check_pair(kept, duplicate, choices)
    kept_id, dup_id = kept.id, duplicate.id
    names = (kept.display_name[:300], duplicate.display_name[:300])
    db.session.flush()
    kept_before, dup_row = _member_row(kept_id), _member_row(dup_id)
    ops: list[Op] = []
    move_references(ops, Member.__table__, dup_id, kept_id)
    _delete(ops, Member.__table__, dup_row)
    values = {f: dup_row[f] for f in MERGE_FIELDS if choices.get(f) == "duplicate"}
    merged = {**kept_before, **values}
    values["search_key"] = member_search_key(merged["given_name"], merged["family_name"], merged["native_name"])
    db.session.execute(update(Member.__table__).where(Member.__table__.c.id == kept_id).values(values))
    _keep_alias(ops, kept_id, dup_row["email"] if merged["email"] == kept_before["email"] else kept_before["email"])
    refresh_cohorts(db.session, [kept_id])
    ops.append({"op": "row", "table": "members", "pk": [kept_id], "old": _plain_row(kept_before)})
    merge = MemberMerge(kept_member_id=kept_id, duplicate_member_id=dup_id, kept_name=names[0],
                        duplicate_name=names[1], actor_id=getattr(actor, "id", None), snapshot={"ops": ops})
    db.session.add(merge)
    db.session.flush()
    db.session.expire_all()
    audit.record(actor, "member.merged", member=kept_id, subject=merge,
                 changes={"duplicate_id": [dup_id, None], "choices": [None, choices]})
    return merge


# ---------------------------------------------------------------- undo
def _undo_op(op: Op) -> None:
    table = db.metadata.tables[op["table"]]
    if op["op"] == "update":
        values = {k: _revive(table.c[k], v) for k, v in {**op.get("stamps", {}), op["column"]: op["old"]}.items()}
        db.session.execute(update(table).where(_where_pk(table, op["pk"])).values(values))
    elif op["op"] == "delete":
        db.session.execute(insert(table).values({k: _revive(table.c[k], v) for k, v in op["row"].items()}))
    elif op["op"] == "insert":
        db.session.execute(delete(table).where(_where_pk(table, op["pk"])))
    elif op["op"] == "row":
        old = {k: _revive(table.c[k], v) for k, v in op["old"].items() if k not in ("id",)}
        db.session.execute(update(table).where(_where_pk(table, op["pk"])).values(old))


def undo_merge(merge: MemberMerge, *, actor: User | None) -> MemberMerge:
    """Put both members back as they were before `merge`. Refused when already undone, or when a
    later merge involving these members still stands (undo that one first)."""
    if merge.undone_at is not None:
        raise Invalid(_("This merge has already been undone."))
    ids = (merge.kept_member_id, merge.duplicate_member_id)
    later = db.session.scalar(select(MemberMerge.id).where(
        MemberMerge.id > merge.id, MemberMerge.undone_at.is_(None),
        or_(MemberMerge.kept_member_id.in_(ids), MemberMerge.duplicate_member_id.in_(ids))))
    if later is not None:
        raise Invalid(_("A later merge of these members must be undone first."))
    db.session.flush()
    for op in reversed(merge.snapshot.get("ops", [])):
        _undo_op(op)
    merge.undone_at = utcnow()
    merge.undone_by_id = getattr(actor, "id", None)
    db.session.flush()
    db.session.expire_all()
    audit.record(actor, "member.merge_undone", member=merge.kept_member_id, subject=merge,
                 changes={"duplicate_id": [None, merge.duplicate_member_id]})
    return merge


def get_merge(merge_id: int) -> MemberMerge | None:
    return db.session.get(MemberMerge, merge_id)


def recent_merges(limit: int = 50) -> list[MemberMerge]:
    return list(db.session.scalars(select(MemberMerge).order_by(MemberMerge.id.desc()).limit(limit)))
