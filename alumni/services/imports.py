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
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased

from alumni.errors import Invalid, ServiceError
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Direction, Institution, InstitutionKind, Member, Participation, Programme, User
from alumni.models.types import utcnow
from alumni.services import audit, csvsafe
from alumni.services import validation as v
from alumni.services.cohorts import refresh_cohorts
from alumni.services.institutions import name_key
from alumni.services.members import _clean_member, _clean_participation

if TYPE_CHECKING:
    import _csv

    from openpyxl import Workbook

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
#: (line number, {column: cell text}): a data row as read from the file.
RawRow = tuple[int, dict[str, str]]
T = TypeVar("T")
_MEMBER_LOADED = ("id", "email", "timezone", "visibility", "family_name_first", *IMPORTED_MEMBER_FIELDS)
_PARTICIPATION_LOADED = ("id", "member_id", "programme_code", "start_date", *PARTICIPATION_COMPARED)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (line number, column, value, reason): every problem of every rejected row, in line order
    #: (column and value are "" for a problem of the whole row).
    rejected: list[tuple[int, str, str, str]] = dc_field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        """How many rows were rejected (a row may have several problems)."""
        return len({line for line, *_rest in self.rejected})

    def summary(self) -> str:
        return (f"created {self.created}, updated {self.updated}, "
                f"unchanged {self.unchanged}, rejected {self.rejected_rows}")


def problem_text(problem: Sequence[object]) -> str:
    """One problem as the CLI prints it: `line N, column C, value V: reason`."""
    if len(problem) == 2:  # jobs recorded before problems had columns
        return f"line {problem[0]}: {problem[1]}"
    line, column, value, reason = problem
    if not column:
        return f"line {line}: {reason}"
    return f"line {line}, column {column}, value {value!r}: {reason}"


@dataclass
class _Row:
    line: int
    member: dict[str, Any]
    #: The cleaned participation, or None for a member-only row.
    participation: dict[str, Any] | None
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


def read_rows(text_stream: Iterable[str]) -> Iterator[RawRow]:
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


#: An .xlsx is a zip; its parts, unpacked, may hold at most this much (a zip bomb is refused).
XLSX_MAX_UNPACKED = 256 * 1024 * 1024
#: The example row of the templates (a valid row: the template imports as it is).
EXAMPLE_ROW = ("priya@example.in", "Priya", "Sharma", "प्रिया शर्मा", "IN", "hi", "Chemistry",
               "SSP-B", "2019", "inbound", "2019-07-01", "2019-07-20",
               "Kyoto University", "JP", "IIT Delhi", "IN")


def is_xlsx(data: bytes, filename: str = "") -> bool:
    """Whether an upload is to be read as a workbook: its name says .xlsx, or it is a zip."""
    return filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def read_upload(data: bytes, filename: str = "") -> Iterator[RawRow]:
    """(line, row) pairs of an uploaded file: an .xlsx workbook's first sheet, or CSV UTF-8 text."""
    if is_xlsx(data, filename):
        return read_xlsx_rows(data)
    return read_rows(io.StringIO(decode_upload(data), newline=""))


def _not_xlsx() -> Invalid:
    return Invalid(_("The file is not an Excel workbook (.xlsx). Save it as \"Excel Workbook (.xlsx)\" "
                     "or as \"CSV UTF-8\" and try again."), field="file")


def _cell_text(value: object) -> str:
    """A cell as the text a CSV would hold: dates as ISO dates, 2019.0 as 2019."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx_rows(data: bytes) -> Iterator[RawRow]:
    """(row number, row) for each data row of the first sheet; the header is row 1. Anything
    that is not a real workbook is Invalid with a clear message (never a crash)."""
    from openpyxl import load_workbook  # here, not at the top: ~120 ms of import for every process, used by few

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNPACKED:
                raise Invalid(_("The workbook is too large once unpacked; split it into smaller files."),
                              field="file")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        records = sheet.iter_rows(values_only=True)
        header_cells = next(records, None)
    except Invalid:
        raise
    except Exception:  # a zip that is no workbook, a damaged part: the user's to fix
        raise _not_xlsx() from None
    return _xlsx_rows(workbook, records, header_cells)


def _xlsx_rows(workbook: Workbook, records: Iterator[tuple[object, ...]],
               header_cells: tuple[object, ...] | None) -> Iterator[RawRow]:
    try:
        if header_cells is None:
            raise Invalid(_("The file is empty."), field="file")
        header = [_cell_text(h).strip().lower() for h in header_cells]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise Invalid(_("The file lacks the columns: %(columns)s.", columns=", ".join(missing)), field="file")
        index = {name: header.index(name) for name in COLUMNS}
        line = 1
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except Exception:  # a damaged part read lazily: the user's to fix
                raise _not_xlsx() from None
            line += 1
            cells = [_cell_text(c) for c in record]
            if not any(c.strip() for c in cells):
                continue
            yield line, {name: (cells[i] if i < len(cells) else "") for name, i in index.items()}
    finally:
        workbook.close()


def template_xlsx() -> bytes:
    """The import template as a workbook: the header and one example row, all cells text."""
    from openpyxl import Workbook  # here, not at the top: see read_xlsx_rows

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "members"
    sheet.append(list(COLUMNS))
    sheet.append(list(EXAMPLE_ROW))
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"  # text: Excel keeps codes and dates as typed
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def preview_rows(data: bytes, filename: str = "", limit: int = 5) -> list[RawRow]:
    """The first `limit` rows as the import will read them (Invalid if the file cannot be read)."""
    rows: list[RawRow] = []
    for row in read_upload(data, filename):
        rows.append(row)
        if len(rows) >= limit:
            break
    return rows


def _records(reader: _csv.Reader) -> Iterator[list[str]]:
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


class RowInvalid(Exception):
    """Every problem of one row: (column, value, reason) each."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        super().__init__(problems)
        self.problems = problems


def _check(problems: list[tuple[str, str, str]], column: str, value: str, check: Callable[[], object]) -> object:
    """`check()`'s result, or None with its problem noted under `column`."""
    try:
        return check()
    except ServiceError as error:
        problems.append((column, value, error.message))
        return None


def _institution_ref(name: str, country: str, field: str,
                     problems: list[tuple[str, str, str]]) -> tuple[str, str] | None:
    country_field = field.replace("institution", "country")
    cleaned = _check(problems, field, name, lambda: v.text(name, field, max_length=300))
    if not cleaned:
        return None
    code = _check(problems, country_field, country, lambda: v.country(country, country_field))
    return (str(cleaned), str(code)) if code else None


def _member_problems(raw: dict[str, str]) -> list[tuple[str, str, str]]:
    """Each member column checked on its own by the rules `_clean_member` applies."""
    problems: list[tuple[str, str, str]] = []
    checks: dict[str, Callable[[str], object]] = {
        "email": lambda x: v.email(x),
        "given_name": lambda x: v.text(x, "given_name", required=True),
        "family_name": lambda x: v.text(x, "family_name"),
        "native_name": lambda x: v.text(x, "native_name", max_length=300),
        "country": lambda x: v.country(x),
        "preferred_language": lambda x: v.language(x or "en"),
        "field": lambda x: v.text(x, "field"),
    }
    for column, check in checks.items():
        _check(problems, column, raw[column], partial(check, raw[column]))
    return problems


def _participation_problems(raw: dict[str, str], programmes: Mapping[str, Programme]) -> list[tuple[str, str, str]]:
    """Each participation column checked on its own by the rules `_clean_participation` applies."""
    problems: list[tuple[str, str, str]] = []
    code = raw["programme"].strip()
    programme = None
    if _check(problems, "programme", raw["programme"],
              lambda: v.text(code, "programme", required=True, max_length=16)):
        programme = programmes.get(code)
        if programme is None:
            codes = ", ".join(db.session.scalars(select(Programme.code).order_by(Programme.sort_order)))
            problems.append(("programme", raw["programme"],
                             _("%(value)s is not a programme code; use one of %(codes)s.", value=code, codes=codes)))
    direction = _check(problems, "direction", raw["direction"],
                       lambda: v.choice(raw["direction"].strip() or Direction.inbound.value, Direction, "direction"))
    if programme is not None and direction == Direction.outbound and not programme.both_directions:
        problems.append(("direction", raw["direction"],
                         _("%(code)s invites people to Japan only; it has no outbound participations.", code=code)))
    start = _check(problems, "start_date", raw["start_date"], lambda: v.parse_date(raw["start_date"], "start_date"))
    end = _check(problems, "end_date", raw["end_date"], lambda: v.parse_date(raw["end_date"], "end_date"))
    if isinstance(start, date):
        if isinstance(end, date):
            _check(problems, "end_date", raw["end_date"], lambda: v.dates_ordered(start, end))
        _check(problems, "fiscal_year", raw["fiscal_year"],
               lambda: v.fiscal_year_matches(raw["fiscal_year"].strip() or None, start))
    return problems


def _clean_row(line: int, raw: dict[str, str], existing: _Loaded | None, programmes: Mapping[str, Programme]) -> _Row:
    """The row cleaned, or RowInvalid with every problem it has (not only the first)."""
    problems = _member_problems(raw)
    has_participation = any(raw[c].strip() for c in PARTICIPATION_COLUMNS)
    if has_participation:
        problems += _participation_problems(raw, programmes)
    host = _institution_ref(raw["host_institution"], raw["host_country"], "host_institution", problems)
    sending = _institution_ref(raw["sending_institution"], raw["sending_country"], "sending_institution", problems)
    if problems:
        raise RowInvalid(problems)
    base = {"timezone": existing.timezone if existing else "UTC",
            "visibility": existing.visibility.value if existing else None,
            "family_name_first": existing.family_name_first if existing else False}
    try:
        member = _clean_member({**base, **{c: raw[c] for c in MEMBER_COLUMNS}})
        if not has_participation:
            return _Row(line, member, None, None, None)
        participation = _clean_participation({
            "programme": raw["programme"].strip(), "fiscal_year": raw["fiscal_year"].strip() or None,
            "direction": raw["direction"].strip() or None,
            "start_date": raw["start_date"], "end_date": raw["end_date"],
        }, programmes=programmes)
    except ServiceError as error:  # a rule the column checks above do not know (the last guard)
        field = next(iter(error.fields), "")
        raise RowInvalid([(field, str(raw.get(field, "")), error.message)]) from None
    return _Row(line, member, participation, host, sending)


def _reject(report: ImportReport, line: int, problems: list[tuple[str, str, str]]) -> None:
    report.rejected.extend((line, column, value, reason) for column, value, reason in problems)


# --- writing -------------------------------------------------------------------------------


def _group_by_email(rows: Iterable[RawRow], report: ImportReport) -> dict[str, list[RawRow]]:
    """Rows with the same email form one member, wherever they are in the file. "The same" is
    after normalising (validation.email: IDNA domain, NFC, lower case), so two spellings of one
    address (`bücher.example` and `xn--bcher-kva.example`, NFC and NFD) are one member; where
    their details differ, the later row is rejected as any differing row is."""
    groups: dict[str, list[RawRow]] = {}
    for line, raw in rows:
        try:
            key = v.email(raw["email"])
        except ServiceError as error:
            _reject(report, line, [("email", raw["email"], error.message)])
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


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _import_batch(groups: list[tuple[str, list[RawRow]]], report: ImportReport) -> None:
    """Validate a batch of members (grouped rows) with the service layer's rules, then write it
    set-wise: new members inserted, changed ones updated, participations inserted or updated."""
    existing = _existing_members([email for email, _rows in groups])
    current_parts = _existing_participations(existing)
    # The programme catalogue, loaded once for the batch: the rules look each row's code up here.
    programmes = {p.code: p for p in db.session.scalars(select(Programme))}
    members = [(email, rows) for email, raw_rows in groups
               if (rows := _valid_rows(raw_rows, existing.get(email), programmes, report))]
    refs = {ref for _email, rows in members for row in rows for ref in (row.host, row.sending) if ref}
    institution_ids = _institution_ids(refs) if refs else {}
    now = utcnow()
    ids = {email: m.id for email, m in existing.items()}
    ids.update(_insert_new_members([(email, rows) for email, rows in members if email not in existing], now))
    writes = _Writes()
    for email, rows in members:
        member = existing.get(email)
        changed = writes.member(member, rows[0].member, now)
        changed = writes.participations(ids[email], rows, current_parts.get(ids[email], {}),
                                        institution_ids) or changed
        if member is None:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
    writes.apply()
    db.session.flush()


#: A member or participation as the import reads it back (plain rows: the session stays small
#: however long the file is); the columns of _MEMBER_LOADED and _PARTICIPATION_LOADED, by name.
_Loaded = Row[*tuple[Any, ...]]


def _existing_members(emails: list[str]) -> dict[str, _Loaded]:
    stmt = select(*(getattr(Member, c) for c in _MEMBER_LOADED)).where(Member.email.in_(emails))
    return {m.email: m for m in db.session.execute(stmt)}


def _existing_participations(existing: dict[str, _Loaded]) -> dict[int, dict[tuple[str, date], _Loaded]]:
    """The participations of these members, by member id and (programme, start date)."""
    found: dict[int, dict[tuple[str, date], _Loaded]] = {}
    if existing:
        for p in db.session.execute(select(*(getattr(Participation, c) for c in _PARTICIPATION_LOADED)).where(
                Participation.member_id.in_([m.id for m in existing.values()]))):
            found.setdefault(p.member_id, {})[(p.programme_code, p.start_date)] = p
    return found


def _valid_rows(raw_rows: list[RawRow], member: _Loaded | None, programmes: dict[str, Programme],
                report: ImportReport) -> list[_Row]:
    """One member's rows, cleaned; a row that is invalid, differs from the first row's member
    details or repeats a participation is rejected (noted in `report`)."""
    rows: list[_Row] = []
    seen: dict[tuple[str, date], int] = {}
    for line, raw in raw_rows:
        try:
            row = _clean_row(line, raw, member, programmes)
        except RowInvalid as invalid:
            _reject(report, line, invalid.problems)
            continue
        if rows and row.member != rows[0].member:
            _reject(report, line, [("", "", _("The member's details differ from line %(line)d.", line=rows[0].line))])
            continue
        if row.participation is not None:
            key = (row.participation["programme_code"], row.participation["start_date"])
            if key in seen:
                _reject(report, line, [("", "", _("The same participation is on line %(line)d.", line=seen[key]))])
                continue
            seen[key] = line
        rows.append(row)
    return rows


def _insert_new_members(members: list[tuple[str, list[_Row]]], now: datetime) -> dict[str, int]:
    """Insert the members the database does not have yet; answers their ids by email."""
    if not members:
        return {}
    new_rows = [{**rows[0].member, "created_at": now, "updated_at": now} for _email, rows in members]
    result = db.session.execute(insert(Member).returning(Member.id, sort_by_parameter_order=True), new_rows)
    return dict(zip([email for email, _rows in members], result.scalars(), strict=True))


@dataclass
class _Writes:
    """The batch's changes to existing rows and its new participations, written set-wise."""

    member_updates: list[dict[str, Any]] = dc_field(default_factory=list)
    part_inserts: list[dict[str, Any]] = dc_field(default_factory=list)
    part_updates: list[dict[str, Any]] = dc_field(default_factory=list)

    def member(self, member: _Loaded | None, cleaned: dict[str, Any], now: datetime) -> bool:
        """Note the update of an existing member whose imported fields differ; True if so."""
        if member is None:
            return False
        wanted = {f: cleaned[f] for f in IMPORTED_MEMBER_FIELDS}
        if all(getattr(member, f) == value for f, value in wanted.items()):
            return False
        self.member_updates.append({"id": member.id, **wanted, "updated_at": now})
        return True

    def participations(self, member_id: int, rows: list[_Row], have: dict[tuple[str, date], _Loaded],
                       institution_ids: dict[tuple[str, str], int]) -> bool:
        """Note the member's new and changed participations; True if there is any."""
        changed = False
        for row in rows:
            if row.participation is None:
                continue
            values = dict(row.participation)
            values["host_institution_id"] = institution_ids[row.host] if row.host else None
            values["sending_institution_id"] = institution_ids[row.sending] if row.sending else None
            old = have.get((values["programme_code"], values["start_date"]))
            if old is None:
                self.part_inserts.append({"member_id": member_id, **values})
                changed = True
            elif any(getattr(old, f) != values[f] for f in PARTICIPATION_COMPARED):
                self.part_updates.append({"id": old.id, "member_id": old.member_id,
                                          **{f: values[f] for f in PARTICIPATION_COMPARED}})
                changed = True
        return changed

    def apply(self) -> None:
        if self.member_updates:
            db.session.execute(update(Member), self.member_updates)
        if self.part_updates:
            db.session.execute(update(Participation), self.part_updates)
        if self.part_inserts:
            db.session.execute(insert(Participation), self.part_inserts)
        if self.part_inserts or self.part_updates:
            # Bulk statements bypass the session hook that keeps members' cohorts current.
            refresh_cohorts(db.session, {p["member_id"] for p in (*self.part_inserts, *self.part_updates)})


def import_members(rows: Iterable[RawRow], *, actor: User | None = None, end_batch: Callable[[], None],
                   batch_members: int = BATCH_MEMBERS,
                   progress: Callable[[int], None] | None = None,
                   report: ImportReport | None = None) -> ImportReport:
    """Import (line, row) pairs from `read_rows`. After each batch of members `end_batch()` is
    called (the caller commits, or rolls back for a dry run); `progress(n)` is told how many
    rows each batch held (and may read the counts so far in `report`, if the caller gave one)."""
    report = report if report is not None else ImportReport()
    groups = list(_group_by_email(rows, report).items())
    for chunk in _chunks(groups, batch_members):
        before = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        _import_batch(chunk, report)
        # One entry per batch (committed with it): how many members it created and updated.
        audit.record(actor, "members.imported", subject="members",
                     changes={k: [n, getattr(report, k)] for k, n in before.items()})
        end_batch()
        if progress:
            progress(sum(len(rows) for _email, rows in chunk))
    report.rejected.sort(key=lambda problem: problem[0])  # stable: a row's problems keep their order
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
