"""Member imports in the background (issue 23, item 5). The staff page's request only stores the
upload and a pending job (`enqueue_import`), so no request timeout can cut an import half-way;
`run_pending_imports()` — a task of the scheduler process, and `flask imports run` — claims one
job and runs it with the same reading and the same batches as `flask members import`
(services/imports.py), committing each batch and the job's progress together.

Claiming is safe with several workers: the oldest pending job is picked (FOR UPDATE SKIP LOCKED
on PostgreSQL) and taken by a conditional UPDATE that only one worker can win. A job whose
worker died (no progress for LEASE) is claimed again and run from the start: an import is
idempotent, so the batches already written come out unchanged.
"""
from __future__ import annotations

import heapq
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, delete, func, or_, select, update

from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import ImportJob, ImportStatus, ImportUpload, Member, User
from alumni.models.types import utcnow
from alumni.services.duplicates import pairs_of_new_members
from alumni.services.imports import BATCH_MEMBERS, ImportReport, import_members, read_upload

log = logging.getLogger(__name__)

#: A running job without progress for this long has lost its worker (a batch takes seconds).
LEASE = timedelta(minutes=10)
#: Rejected rows kept on the job for its page (the count covers them all).
MAX_ERRORS = 1000


def enqueue_import(data: bytes, filename: str, *, dry_run: bool, actor: User | None) -> ImportJob:
    """Store an upload as a pending job. What can be told at once is told at once (Invalid): the
    file is not UTF-8 CSV nor an .xlsx workbook, or lacks the columns; the rows are read by the job."""
    next(iter(read_upload(data, filename or "")), None)  # the header and the first row only
    job = ImportJob(filename=(filename or "")[:255], dry_run=dry_run,
                    created_by_id=actor.id if actor is not None else None, status=ImportStatus.pending)
    db.session.add(job)
    db.session.flush()
    db.session.add(ImportUpload(job_id=job.id, data=data))
    db.session.flush()
    return job


def get_import_job(job_id: int) -> ImportJob | None:
    return db.session.get(ImportJob, job_id)


def recent_import_jobs(limit: int = 10) -> list[ImportJob]:
    return list(db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(ImportJob.status == ImportStatus.pending,
               (ImportJob.status == ImportStatus.running) & (ImportJob.progress_at < now - LEASE))


def _take(job_id: int, now: datetime) -> bool:
    """The conditional UPDATE: true for the one worker that moved the job to running."""
    result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(ImportJob).where(ImportJob.id == job_id, _claimable(now))
        .values(status=ImportStatus.running, started_at=now, progress_at=now, attempts=ImportJob.attempts + 1,
                rows_read=0, created=0, updated=0, unchanged=0, rejected=0, errors=[], error=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def claim_next_import() -> ImportJob | None:
    """Claim the oldest claimable job for this worker (committed), or None."""
    for _attempt in range(5):  # another worker may win a race for a job; try the next one
        now = utcnow()
        stmt = select(ImportJob.id).where(_claimable(now)).order_by(ImportJob.id).limit(1)
        if db.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        job_id = db.session.scalar(stmt)
        if job_id is None:
            db.session.rollback()
            return None
        if _take(job_id, now):
            job = db.session.get(ImportJob, job_id)
            db.session.refresh(job)
            return job
    return None


def _save_progress(job_id: int, report: ImportReport, rows_read: int, **values: Any) -> None:
    db.session.execute(
        update(ImportJob).where(ImportJob.id == job_id)
        .values(rows_read=rows_read, created=report.created, updated=report.updated,
                unchanged=report.unchanged, rejected=report.rejected_rows,
                errors=[list(e) for e in heapq.nsmallest(MAX_ERRORS, report.rejected, key=lambda p: p[0])], progress_at=utcnow(), **values)
        .execution_options(synchronize_session=False))


def run_import_job(job: ImportJob, *, on_progress: Callable[[], None] | None = None) -> ImportJob:
    """Run a claimed job to its end; a failure is recorded on the job (status failed, error).
    `on_progress` is called after each committed batch (the scheduler's heartbeat)."""
    job_id, dry_run, filename = job.id, job.dry_run, job.filename or ""
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    report = ImportReport()
    done = 0
    try:
        data = db.session.scalar(select(ImportUpload.data).where(ImportUpload.job_id == job_id))
        rows = list(read_upload(data or b"", filename))
        del data
        db.session.execute(update(ImportJob).where(ImportJob.id == job_id)
                           .values(rows_total=len(rows), progress_at=utcnow())
                           .execution_options(synchronize_session=False))
        db.session.commit()

        def end_batch() -> None:
            if dry_run:
                db.session.rollback()

        def progress(n: int) -> None:
            # The batch and the job's progress are committed together (a dry run's batch was
            # rolled back by end_batch: only the progress is written).
            nonlocal done
            done += n
            _save_progress(job_id, report, done)
            db.session.commit()
            if on_progress is not None:
                on_progress()

        last_id = db.session.scalar(select(func.max(Member.id))) or 0
        import_members(rows, actor=actor, end_batch=end_batch, batch_members=BATCH_MEMBERS, progress=progress,
                       report=report)
        pairs = pairs_of_new_members(last_id) if report.created and not dry_run else None
        _save_progress(job_id, report, len(rows), status=ImportStatus.done, finished_at=utcnow(),
                       possible_duplicates=None if pairs is None else len(pairs))
    except Exception as exc:  # whatever stops the job is recorded on it, for its page
        _record_failure(job_id, exc)
    # The upload holds personal data: it goes once its job has finished, whichever way.
    db.session.execute(delete(ImportUpload).where(ImportUpload.job_id == job_id))
    db.session.commit()
    finished = db.session.get(ImportJob, job_id)
    assert finished is not None
    db.session.refresh(finished)
    return finished


def _record_failure(job_id: int, exc: Exception) -> None:
    """The job stopped: undo the batch in progress and say why on the job (a rule's message, or
    the kind of an unexpected error, which is logged)."""
    db.session.rollback()
    if isinstance(exc, ServiceError):
        message = exc.message
    else:
        log.exception("import job %s failed", job_id)
        message = _("The import stopped on an unexpected error (%(error)s); the batches before it "
                    "were written. Import the file again to finish it.", error=type(exc).__name__)
    # The counts stay as the last committed batch left them: the batch that failed was undone.
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id)
                       .values(status=ImportStatus.failed, finished_at=utcnow(), error=message)
                       .execution_options(synchronize_session=False))


def run_pending_imports(on_progress: Callable[[], None] | None = None) -> ImportJob | None:
    """The scheduler's task: claim one pending job and run it; the job run, or None if none waited."""
    job = claim_next_import()
    if job is None:
        return None
    return run_import_job(job, on_progress=on_progress)
