"""Background jobs: a bulk upload or import, its progress, and one row per file it reported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import User, utcnow

# States as stored. "interrupted" is also what a running job whose worker stopped sending
# heartbeats is shown as (records.effective_state), before a worker marks it so.
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
INTERRUPTED = "interrupted"
FINISHED = (DONE, FAILED)

UPLOAD = "upload"  # sent through the upload form or the API
IMPORT = "import"  # `flask import PATH`
EXPORT = "export"  # an export zip built for download on the Export & restore page
RESTORE = "restore"  # an export zip uploaded on the Export & restore page


class Job(db.Model):
    """One bulk publishing run, from the request that started it to its last file."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    # What the author sent, in plain words: "posts.zip", "3 files and pasted text", a path.
    label: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Documents expected (counted before the work starts) and files reported so far.
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    # The file being worked on, for the progress bar.
    current: Mapped[str | None] = mapped_column(String(500), default=None)
    # Why a job failed as a whole (a corrupt zip, a folder that vanished), in plain words.
    message: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    # Written every few seconds by the worker running the job; a stale one means it died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User | None] = relationship()


class JobFile(db.Model):
    """What happened to one file of a job, in the order the job reported them."""

    __tablename__ = "job_files"
    __table_args__ = (Index("ix_job_files_job", "job_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    slug: Mapped[str | None] = mapped_column(String(200), default=None)
    title: Mapped[str | None] = mapped_column(String(500), default=None)
    status: Mapped[str | None] = mapped_column(String(16), default=None)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    # FileResult.images: the document's remote images, copied into the site or not.
    images: Mapped[list | None] = mapped_column(JSON, default=list)
