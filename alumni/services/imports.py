"""CSV import and export of members with their participations (INTERFACES.md, "members import").

Rows are validated by the same `_clean_*` functions as the API and pages (one place for the
rules); the writing is done in batches with set-based queries: per batch, existing members are
fetched by email, institutions by (name_key, country), and new rows are inserted in bulk.
Each batch ends with the caller's `end_batch` (commit, or rollback for a dry run), so an
interrupted import leaves the database as it was before the batch it was in.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased

from alumni.errors import Invalid, ServiceError
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Direction, Institution, InstitutionKind, Member, Participation, Programme
from alumni.models.types import utcnow
from alumni.services import csvsafe
from alumni.services import validation as v
from alumni.services.cohorts import refresh_cohorts
from alumni.services.institutions import name_key
from alumni.services.members import _clean_member, _clean_participation

COLUMNS = (
    "email", "given_name", "family_name", "native_name", "country", "preferred_language", "field",
    "programme", "fiscal_year", "direction", "start_date", "end_date",
    "host_institution", "host_country", "sending_institution", "sending_country",
)
MEMBER_COLUMNS = ("email", "given_name", "family_name", "native_name", "country", "preferred_language", "field")
PARTICIPATION_COLUMNS = COLUMNS[7:]
#: Member fields the file carries; the others (time zone, visibility, …) are left as they are.
IMPORTED_MEMBER_FIELDS = ("given_name", "family_name", "native_name", "country", "preferred_language",
                          "field", "search_key")
PARTICIPATION_COMPARED = ("fiscal_year", "direction", "end_date", "host_institution_id",
                          "sending_institution_id")
BATCH_MEMBERS = 1000
_MEMBER_LOADED = ("id", "email", "timezone", "visibility", "family_name_first", *IMPORTED_MEMBER_FIELDS)
_PARTICIPATION_LOADED = ("id", "member_id", "programme_code", "start_date", *PARTICIPATION_COMPARED)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (line number, reason), in line order.
    rejected: list[tuple[int, str]] = dc_field(default_factory=list)

    def summary(self) -> str:
        return (f"created {self.created}, updated {self.updated}, "
                f"unchanged {self.unchanged}, rejected {len(self.rejected)}")


@dataclass
class _Row:
    line: int
    member: dict
    #: The cleaned participation, or None for a member-only row.
    participation: dict | None
    #: (name, country) of the host and sending institutions, or None.
    host: tuple[str, str] | None
    sending: tuple[str, str] | None


# --- reading -------------------------------------------------------------------------------


def decode_upload(data: bytes) -> str:
    """An uploaded file's text: UTF-8 with or without BOM."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(_("The file is not UTF-8 text (byte %(pos)d). Save it as CSV UTF-8 and try again.",
                        pos=exc.start + 1), field="file") from None


def read_rows(text_stream: Iterable[str]) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each data row; the header is line 1. A BOM is dropped."""
    reader = csv.reader(text_stream)
    try:
        header = next(_records(reader))
    except StopIteration:
        raise Invalid(_("The file is empty."), field="file") from None
    header = [h.lstrip("\ufeff").strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise Invalid(_("The file lacks the columns: %(columns)s.", columns=", ".join(missing)), field="file")
    index = {name: header.index(name) for name in COLUMNS}
    line = 1
    for record in _records(reader):
        start_line, line = line + 1, reader.line_num
        record = [csvsafe.unescape_cell(cell) for cell in record]
        if not any(cell.strip() for cell in record):
            continue
        yield start_line, {name: (record[i] if i < len(record) else "") for name, i in index.items()}


def _records(reader) -> Iterator[list[str]]:
    """The reader's records; a file the csv module cannot parse (a stray carriage return in an
    unquoted cell, a cell beyond the csv module's size limit) is the user's to fix, not a 500.
    Callers read every row before writing any, so nothing is half-imported."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise Invalid(_("Line %(line)d of the file is not valid CSV (%(reason)s).",
                            line=reader.line_num, reason=str(exc)), field="file") from None
        yield record


def _institution_ref(name: str, country: str, field: str) -> tuple[str, str] | None:
    name = v.text(name, field, max_length=300)
    if not name:
        return None
    code = v.country(country, field.replace("institution", "country"))
    return name, code


def _clean_row(line: int, raw: dict, existing) -> _Row:
    base = {"timezone": existing.timezone if existing else "UTC",
            "visibility": existing.visibility.value if existing else None,
            "family_name_first": existing.family_name_first if existing else False}
    member = _clean_member({**base, **{c: raw[c] for c in MEMBER_COLUMNS}})
    if not any(raw[c].strip() for c in PARTICIPATION_COLUMNS):
        return _Row(line, member, None, None, None)
    participation = _clean_participation({
        "programme": raw["programme"].strip(), "fiscal_year": raw["fiscal_year"].strip() or None,
        "direction": raw["direction"].strip() or None,
        "start_date": raw["start_date"], "end_date": raw["end_date"],
    })
    host = _institution_ref(raw["host_institution"], raw["host_country"], "host_institution")
    sending = _institution_ref(raw["sending_institution"], raw["sending_country"], "sending_institution")
    return _Row(line, member, participation, host, sending)


def _reason(error: ServiceError) -> str:
    field = next(iter(error.fields), None)
    return f"{field}: {error.message}" if field else error.message


# --- writing -------------------------------------------------------------------------------


def _group_by_email(rows: Iterable[tuple[int, dict]], report: ImportReport) -> dict[str, list[tuple[int, dict]]]:
    """Rows with the same email form one member, wherever they are in the file. "The same" is
    after normalising (validation.email: IDNA domain, NFC, lower case), so two spellings of one
    address (`bücher.example` and `xn--bcher-kva.example`, NFC and NFD) are one member; where
    their details differ, the later row is rejected as any differing row is."""
    groups: dict[str, list[tuple[int, dict]]] = {}
    for line, raw in rows:
        try:
            key = v.email(raw["email"])
        except ServiceError as error:
            report.rejected.append((line, _reason(error)))
            continue
        groups.setdefault(key, []).append((line, raw))
    return groups


def _institution_ids(refs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of the institutions (matched by trimmed, case-folded name and country), creating the new ones."""
    wanted = {(name_key(n), c): n for n, c in refs}
    found: dict[tuple[str, str], int] = {}
    keys = sorted({k for k, _c in wanted})
    for chunk in _chunks(keys, 900):
        for iid, key, country in db.session.execute(
                select(Institution.id, Institution.name_key, Institution.country)
                .where(Institution.name_key.in_(chunk))):
            if (key, country) in wanted:
                found[(key, country)] = iid
    new = [{"name": " ".join(name.split()), "name_key": key, "country": country,
            "kind": InstitutionKind.university} for (key, country), name in wanted.items() if (key, country) not in found]
    if new:
        for iid, key, country in db.session.execute(
                insert(Institution).returning(Institution.id, Institution.name_key, Institution.country), new):
            found[(key, country)] = iid
    return {(n, c): found[(name_key(n), c)] for n, c in refs}


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _import_batch(groups: list[tuple[str, list[tuple[int, dict]]]], report: ImportReport) -> None:
    emails = [email for email, _rows in groups]
    # Plain rows, not ORM objects: the session stays small however long the file is.
    existing = {m.email: m for m in db.session.execute(
        select(*(getattr(Member, c) for c in _MEMBER_LOADED)).where(Member.email.in_(emails)))}
    current_parts: dict[int, dict[tuple[str, date], Row]] = {}
    if existing:
        for p in db.session.execute(select(*(getattr(Participation, c) for c in _PARTICIPATION_LOADED)).where(
                Participation.member_id.in_([m.id for m in existing.values()]))):
            current_parts.setdefault(p.member_id, {})[(p.programme_code, p.start_date)] = p

    # 1. validate, in Python, with the service layer's rules. Holding the catalogue here keeps
    # its rows in the session's identity map, so the rules' lookups by code cost no query.
    catalogue = db.session.scalars(select(Programme)).all()  # noqa: F841
    members: list[tuple[str, list[_Row]]] = []
    refs: set[tuple[str, str]] = set()
    for email, raw_rows in groups:
        member = existing.get(email)
        rows: list[_Row] = []
        seen: dict[tuple[str, date], int] = {}
        for line, raw in raw_rows:
            try:
                row = _clean_row(line, raw, member)
            except ServiceError as error:
                report.rejected.append((line, _reason(error)))
                continue
            if rows and row.member != rows[0].member:
                report.rejected.append((line, _("The member's details differ from line %(line)d.", line=rows[0].line)))
                continue
            if row.participation is not None:
                key = (row.participation["programme_code"], row.participation["start_date"])
                if key in seen:
                    report.rejected.append((line, _("The same participation is on line %(line)d.", line=seen[key])))
                    continue
                seen[key] = line
                refs.update(r for r in (row.host, row.sending) if r)
            rows.append(row)
        if rows:
            members.append((email, rows))

    # 2. write, set-wise
    institution_ids = _institution_ids(refs) if refs else {}
    now = utcnow()
    new_emails = [email for email, _rows in members if email not in existing]
    ids = {email: m.id for email, m in existing.items()}
    if new_emails:
        by_email = dict(members)
        new_rows = [{**by_email[email][0].member, "created_at": now, "updated_at": now} for email in new_emails]
        result = db.session.execute(
            insert(Member).returning(Member.id, sort_by_parameter_order=True), new_rows)
        ids.update(zip(new_emails, result.scalars(), strict=False))
    member_updates, part_inserts, part_updates = [], [], []
    for email, rows in members:
        member = existing.get(email)
        changed = False
        if member is not None:
            wanted = {f: rows[0].member[f] for f in IMPORTED_MEMBER_FIELDS}
            if any(getattr(member, f) != value for f, value in wanted.items()):
                member_updates.append({"id": member.id, **wanted, "updated_at": now})
                changed = True
        have = current_parts.get(ids[email], {})
        for row in rows:
            if row.participation is None:
                continue
            values = dict(row.participation)
            values["host_institution_id"] = institution_ids[row.host] if row.host else None
            values["sending_institution_id"] = institution_ids[row.sending] if row.sending else None
            old = have.get((values["programme_code"], values["start_date"]))
            if old is None:
                part_inserts.append({"member_id": ids[email], **values})
                changed = True
            elif any(getattr(old, f) != values[f] for f in PARTICIPATION_COMPARED):
                part_updates.append({"id": old.id, "member_id": old.member_id,
                                     **{f: values[f] for f in PARTICIPATION_COMPARED}})
                changed = True
        if member is None:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if member_updates:
        db.session.execute(update(Member), member_updates)
    if part_updates:
        db.session.execute(update(Participation), part_updates)
    if part_inserts:
        db.session.execute(insert(Participation), part_inserts)
    if part_inserts or part_updates:
        # Bulk statements bypass the session hook that keeps members' cohorts current.
        refresh_cohorts(db.session, {p["member_id"] for p in part_inserts} | {p["member_id"] for p in part_updates})
    db.session.flush()


def import_members(rows: Iterable[tuple[int, dict]], actor=None, *, end_batch: Callable[[], None],
                   batch_members: int = BATCH_MEMBERS,
                   progress: Callable[[int], None] | None = None,
                   report: ImportReport | None = None) -> ImportReport:
    """Import (line, row) pairs from `read_rows`. After each batch of members `end_batch()` is
    called (the caller commits, or rolls back for a dry run); `progress(n)` is told how many
    rows each batch held (and may read the counts so far in `report`, if the caller gave one)."""
    report = report if report is not None else ImportReport()
    groups = list(_group_by_email(rows, report).items())
    for chunk in _chunks(groups, batch_members):
        _import_batch(chunk, report)
        end_batch()
        if progress:
            progress(sum(len(rows) for _email, rows in chunk))
    report.rejected.sort()
    return report


# --- export --------------------------------------------------------------------------------


def export_rows() -> Iterator[list[str]]:
    """The import's columns, header first: one row per participation (members without any get
    one row with empty participation columns). Streamed from the database."""
    yield list(COLUMNS)
    host, sending = aliased(Institution), aliased(Institution)
    stmt = (
        select(Member.email, Member.given_name, Member.family_name, Member.native_name, Member.country,
               Member.preferred_language, Member.field, Participation.programme_code,
               Participation.fiscal_year, Participation.direction, Participation.start_date,
               Participation.end_date, host.name, host.country, sending.name, sending.country)
        .outerjoin(Participation, Participation.member_id == Member.id)
        .outerjoin(host, host.id == Participation.host_institution_id)
        .outerjoin(sending, sending.id == Participation.sending_institution_id)
        .order_by(Member.id, Participation.start_date, Participation.id)
    )
    for row in db.session.execute(stmt.execution_options(yield_per=2000)):
        yield ["" if value is None else
               value.value if isinstance(value, Direction) else
               value.isoformat() if isinstance(value, date) else str(value) for value in row]


def write_export(stream: io.TextIOBase) -> int:
    """Write the export to a text stream; the number of data rows written."""
    # Reversible neutralising: a spreadsheet shows formulas as text, and the import reads the
    # file back unchanged (alumni/services/csvsafe.py).
    writer = csvsafe.writer(stream, reversible=True, lineterminator="\n")
    count = -1
    for row in export_rows():
        writer.writerow(row)
        count += 1
    return count
