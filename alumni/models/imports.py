"""Member imports uploaded on the staff page run in the background: the request stores the file
and a job row; a worker (the scheduler, or `flask imports run`) claims the job and runs the same
batches as `flask members import`, writing its progress on the row after each batch."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from alumni.extensions import Model
from alumni.models.types import UTCDateTime, str_enum, utcnow


class ImportStatus(enum.StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"


class ImportJob(Model):
    __tablename__ = "import_jobs"
    __table_args__ = (
        # The worker's query: the oldest pending job (or a running one whose worker went quiet).
        Index("ix_import_jobs_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    dry_run: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus, "import_status"),
                                                 default=ImportStatus.pending)
    #: Data rows in the file (known once it has been read) and rows imported so far.
    rows_total: Mapped[int | None] = mapped_column()
    rows_read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    #: Pairs of possible duplicates involving the members this import created (services/duplicates);
    #: None when not checked (a dry run, nothing created, or too many new members to check here).
    possible_duplicates: Mapped[int | None] = mapped_column()
    #: [[line, reason], …] in line order, the first MAX_ERRORS of them (`rejected` counts all).
    errors: Mapped[list[list[int | str]]] = mapped_column(JSON, default=list)
    #: Why the whole job failed (an unreadable file, a crash), for the page.
    error: Mapped[str | None] = mapped_column(Text)
    #: Times the job was claimed: a job claimed again after its worker died is run from the start
    #: (an import is idempotent: the batches already written come out unchanged).
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Written with each batch: a running job quiet for long has lost its worker.
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.done, ImportStatus.failed)

    def summary(self) -> str:
        """The command's last line: `created N, updated N, unchanged N, rejected N`."""
        return (f"created {self.created}, updated {self.updated}, "
                f"unchanged {self.unchanged}, rejected {self.rejected}")

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.status} {self.rows_read}/{self.rows_total}>"


class ImportUpload(Model):
    """The uploaded file of a job, as sent; deleted once the job has finished. A table of its own:
    the job row, written after every batch, stays small (SQLite rewrites a whole row)."""

    __tablename__ = "import_uploads"

    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<ImportUpload of job {self.job_id}>"
