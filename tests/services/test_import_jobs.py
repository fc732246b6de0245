"""The staff page's import runs as a background job (issue 23, item 5): the request stores the
file and a job row; `run_pending_imports()` (the scheduler's task, and `flask imports run`)
claims one job and runs it with the same batches as `flask members import`, writing its progress
after each batch."""
from __future__ import annotations

import io
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from alumni.errors import Invalid
from alumni.extensions import db
from alumni.models import ImportJob, ImportStatus, ImportUpload, Member, Participation
from alumni.models.types import utcnow
from alumni.services import import_jobs
from alumni.services.imports import COLUMNS, problem_text
from tests.factories import login, make_user

HEADER = ",".join(COLUMNS)
PASSWORD = "a long enough passphrase"


def _row(email, country="IN", programme="SSP-A", start="2019-07-01", end="2019-07-07", fy="2019"):
    return f"{email},Ana,Silva,,{country},en,,{programme},{fy},inbound,{start},{end},Tohoku University,JP,,"


def _file(*rows) -> bytes:
    return ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_enqueueing_stores_the_file_and_writes_no_member():
    staff = make_user("staff")
    job = import_jobs.enqueue_import(_file(_row("ana@example.org")), "m.csv", dry_run=False, actor=staff)
    db.session.commit()
    assert (job.status, job.filename, job.created_by_id, job.rows_read) == (ImportStatus.pending, "m.csv", staff.id, 0)
    assert db.session.get(ImportUpload, job.id).data.startswith(b"\xef\xbb\xbfemail,")
    assert _count(Member) == 0
    # What the request can tell at once, it tells: not UTF-8, or not the columns.
    with pytest.raises(Invalid, match="UTF-8"):
        import_jobs.enqueue_import(b"\xff\xfe bad", "m.csv", dry_run=False, actor=staff)
    with pytest.raises(Invalid, match="programme"):
        import_jobs.enqueue_import(b"email,given_name\na@example.org,A\n", "m.csv", dry_run=False, actor=staff)


def test_a_job_gives_the_commands_result_and_progress_after_each_batch(runner, tmp_path, monkeypatch):
    import alumni.services.imports as imports

    rows = [_row(f"m{i}@example.org") for i in range(5)] + [_row("bad@example.org", country="XX")]
    path = tmp_path / "m.csv"
    path.write_bytes(_file(*rows))
    command = runner.invoke(args=["members", "import", str(path), "--dry-run"]).output.strip().splitlines()

    seen: list[tuple] = []
    real = imports._import_batch

    def watching(groups, report):
        # What another process sees of the job when each batch starts: committed progress.
        with db.engine.connect() as conn:
            seen.append(tuple(conn.execute(sa.text(
                "SELECT status, rows_read, created, rejected FROM import_jobs")).one()))
        real(groups, report)

    monkeypatch.setattr(imports, "_import_batch", watching)
    monkeypatch.setattr(import_jobs, "BATCH_MEMBERS", 2)
    job = import_jobs.enqueue_import(_file(*rows), "m.csv", dry_run=False, actor=None)
    db.session.commit()
    assert import_jobs.run_pending_imports().id == job.id
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.done and job.error is None
    assert job.summary() == command[-1] == "created 5, updated 0, unchanged 0, rejected 1"
    assert [problem_text(p) for p in job.errors] == [x for x in command if x.startswith("line ")]
    assert (job.rows_total, job.rows_read) == (6, 6)
    assert job.started_at <= job.finished_at and _count(ImportUpload) == 0  # the upload is not kept
    # Batches of 2, 2 and 1 members: the progress moved after each.
    assert [(s, r, c) for s, r, c, _rej in seen] == [("running", 0, 0), ("running", 2, 2), ("running", 4, 4)]
    assert _count(Member) == 5
    assert import_jobs.run_pending_imports() is None  # nothing left


def test_two_spellings_of_one_address_in_an_uploaded_file_are_one_member_not_a_failure():
    body = _file(_row("ana@bücher.example"), _row("ANA@xn--bcher-kva.example", programme="LOTUS", fy="2020",
                                                  start="2020-09-01", end="2021-03-31"))
    for dry_run in (True, False):
        job = import_jobs.enqueue_import(body, "m.csv", dry_run=dry_run, actor=None)
        db.session.commit()
        import_jobs.run_pending_imports()
        db.session.refresh(job)
        assert job.status == ImportStatus.done, job.error
        assert job.summary() == "created 1, updated 0, unchanged 0, rejected 0"
        assert _count(Member) == (0 if dry_run else 1)
    assert _count(Participation) == 2


def test_a_file_that_breaks_mid_way_fails_the_job_with_its_reason():
    body = _file(_row("a@example.org")) + b'"' + b"x" * 140_000 + b'"\n'
    job = import_jobs.enqueue_import(body, "m.csv", dry_run=False, actor=None)
    db.session.commit()
    import_jobs.run_pending_imports()
    db.session.refresh(job)
    assert job.status == ImportStatus.failed and "not valid CSV" in job.error
    assert job.finished_at is not None and _count(Member) == 0 and _count(ImportUpload) == 0


def test_a_crash_fails_the_job_and_keeps_the_finished_batches_as_the_command_does(monkeypatch):
    import alumni.services.imports as imports

    real, calls = imports._import_batch, []

    def crash_on_second(groups, report):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        real(groups, report)

    monkeypatch.setattr(imports, "_import_batch", crash_on_second)
    monkeypatch.setattr(import_jobs, "BATCH_MEMBERS", 2)
    job = import_jobs.enqueue_import(_file(*[_row(f"m{i}@example.org") for i in range(5)]), "m.csv",
                                     dry_run=False, actor=None)
    db.session.commit()
    import_jobs.run_pending_imports()
    db.session.refresh(job)
    assert job.status == ImportStatus.failed and "RuntimeError" in job.error
    assert (job.created, job.rows_read) == (2, 2)
    assert sorted(db.session.scalars(select(Member.email))) == ["m0@example.org", "m1@example.org"]


def test_claims_are_exclusive_and_a_silent_running_job_is_taken_over():
    jobs = [import_jobs.enqueue_import(_file(_row(f"j{i}@example.org")), "m.csv", dry_run=False, actor=None)
            for i in range(2)]
    db.session.commit()
    first, second = import_jobs.claim_next_import(), import_jobs.claim_next_import()
    assert {first.id, second.id} == {j.id for j in jobs} and import_jobs.claim_next_import() is None
    assert first.status == ImportStatus.running and first.attempts == 1
    # A worker that died leaves its job running; once quiet for longer than the lease it is claimed again.
    db.session.execute(sa.update(ImportJob).where(ImportJob.id == first.id)
                       .values(progress_at=utcnow() - import_jobs.LEASE - timedelta(seconds=1)))
    db.session.commit()
    again = import_jobs.claim_next_import()
    assert again.id == first.id and again.attempts == 2
    assert import_jobs.claim_next_import() is None


def test_the_claim_is_a_conditional_update(app):
    """Two workers that read the same pending job: only one update wins."""
    job = import_jobs.enqueue_import(_file(_row("x@example.org")), "m.csv", dry_run=False, actor=None)
    db.session.commit()
    assert import_jobs._take(job.id, utcnow()) is True
    assert import_jobs._take(job.id, utcnow()) is False


def test_imports_run_command_runs_every_pending_job(runner):
    for i in range(2):
        import_jobs.enqueue_import(_file(_row(f"c{i}@example.org")), "m.csv", dry_run=False, actor=None)
    db.session.commit()
    result = runner.invoke(args=["imports", "run"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "ran 2 import jobs"
    assert "done: created 1, updated 0, unchanged 0, rejected 0" in lines[0]
    assert _count(Member) == 2


def test_a_large_upload_only_stores_and_enqueues(client):
    """The request does not import: a 200,000-row file cannot be cut by a request timeout."""
    staff = make_user("staff", password=PASSWORD)
    login(client, staff)
    rows = [_row(f"big{i}@example.org") for i in range(40_000)]
    # The multipart body built here (the test client's own builder spools a large one to a
    # temporary file that it never closes).
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(_file(*rows)), filename="big.csv")})
    started = time.perf_counter()
    r = client.post("/staff/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    elapsed = time.perf_counter() - started
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    assert _count(Member) == 0 and _count(ImportJob) == 1
    assert elapsed < 5, elapsed


@pytest.mark.postgresql_only
def test_on_postgresql_a_job_locked_by_another_worker_is_skipped(app, is_postgresql):
    if not is_postgresql:
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; on SQLite the conditional UPDATE decides alone")
    first, second = (import_jobs.enqueue_import(_file(_row(f"l{i}@example.org")), "m.csv", dry_run=False, actor=None)
                     for i in range(2))
    db.session.commit()
    with db.engine.connect() as other:  # another worker, in the middle of claiming the first job
        other.execute(sa.text("SELECT id FROM import_jobs WHERE id = :id FOR UPDATE"), {"id": first.id})
        claimed = import_jobs.claim_next_import()  # does not wait for the lock: takes the next job
        assert claimed is not None and claimed.id == second.id
        other.rollback()
    assert import_jobs.claim_next_import().id == first.id


def test_the_scheduler_runs_an_uploaded_import_and_keeps_its_heartbeat_fresh(monkeypatch):
    """An upload waits for the scheduler's "imports run" task; a long job calls the keepalive
    after every committed batch, so `check` and /healthz do not take the scheduler for dead."""
    from alumni.services import schedule

    monkeypatch.setattr(import_jobs, "BATCH_MEMBERS", 2)
    staff = make_user("staff")
    job = import_jobs.enqueue_import(_file(*[_row(f"s{i}@example.org") for i in range(5)]), "m.csv",
                                     dry_run=False, actor=staff)
    db.session.commit()
    beats: list[int] = []
    (task,) = [t for t in schedule.TASKS if t.name == "imports run"]
    outcomes = schedule.run_due({}, tasks=[task], keepalive=lambda: beats.append(1))
    assert [(o.task, o.ok, o.summary) for o in outcomes] == [("imports run", True, "ran 1 import jobs")]
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).status == ImportStatus.done
    assert _count(Member) == 5
    assert len(beats) >= 3  # five members in batches of two


def test_a_job_stores_every_problem_of_a_row_from_an_xlsx():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.active.append(["bad@example.org", "Bad", "Row", "", "XX", "en", "", "SSP-Q", 2019.0, "inbound",
                            date(2019, 7, 20), date(2019, 7, 1), "", "", "", ""])
    out = io.BytesIO()
    workbook.save(out)
    job = import_jobs.enqueue_import(out.getvalue(), "m.xlsx", dry_run=False, actor=None)
    db.session.commit()
    job = import_jobs.run_pending_imports()
    assert job.status == ImportStatus.done and job.rejected == 1
    assert [(p[0], p[1], p[2]) for p in job.errors] == [
        (2, "country", "XX"), (2, "programme", "SSP-Q"), (2, "end_date", "2019-07-01")]


def test_a_file_that_is_not_a_workbook_is_refused_at_upload():
    with pytest.raises(Invalid, match="not an Excel workbook"):
        import_jobs.enqueue_import(b"PK\x03\x04broken", "m.xlsx", dry_run=False, actor=None)
