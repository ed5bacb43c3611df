"""Jobs as the site keeps them: created, taken by a worker, reported on, finished, purged."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import selectinload

from ..content.messages import N_
from ..extensions import db
from ..models import utcnow
from ..services.publishing import REJECTED, FileResult
from . import inputs
from .models import DONE, FINISHED, INTERRUPTED, QUEUED, RUNNING, Job, JobFile

# States in which a job's page keeps polling.
LIVE = (QUEUED, RUNNING)
# A job is tried this many times in all; after that it waits for the author's Resume.
MAX_ATTEMPTS = 3
PAGE_SIZE = 50


@dataclass(frozen=True)
class Progress:
    """How far a job got, as the progress bar and the job resource show it."""

    state: str
    done: int
    total: int
    percent: int
    current: str | None
    elapsed: timedelta | None
    remaining: timedelta | None  # None until there is a rate to estimate from
    counts: dict[str, int]


def create_job(kind: str, label: str, total: int, user_id: int | None = None) -> Job:
    """Store a new queued job; commit."""
    job = Job(kind=kind, label=label[:500], total=total, user_id=user_id, state=QUEUED)
    db.session.add(job)
    db.session.commit()
    return job


def delete_job(job_id: int) -> None:
    """Delete a job that never started (its upload could not be stored); commit."""
    db.session.rollback()
    db.session.execute(delete(Job.__table__).where(Job.__table__.c.id == job_id))
    db.session.commit()


def get_job(job_id: int) -> Job | None:
    """Return a job by id."""
    return db.session.get(Job, job_id)


def stale_before() -> datetime:
    """Return the time before which a running job's heartbeat means its worker is gone."""
    interval = float(current_app.config["JOB_HEARTBEAT_SECONDS"])
    return utcnow() - timedelta(seconds=interval * 4)


def effective_state(job: Job) -> str:
    """Return the job's state; a running job whose worker stopped beating is interrupted."""
    if job.state == RUNNING and (job.heartbeat_at is None or job.heartbeat_at < stale_before()):
        return INTERRUPTED
    return job.state


def claim(job_id: int) -> Job | None:
    """Take a job for this worker, or return None when it is finished or running elsewhere.

    One conditional UPDATE decides, so two workers handed the same job (a message queued
    again after a restart) never both run it.
    """
    jobs = Job.__table__
    now = utcnow()
    taken = db.session.execute(
        update(jobs)
        .where(
            jobs.c.id == job_id,
            or_(
                jobs.c.state.in_((QUEUED, INTERRUPTED)),
                (jobs.c.state == RUNNING)
                & (or_(jobs.c.heartbeat_at.is_(None), jobs.c.heartbeat_at < stale_before())),
            ),
        )
        .values(
            state=RUNNING,
            attempts=jobs.c.attempts + 1,
            heartbeat_at=now,
            started_at=func.coalesce(jobs.c.started_at, now),
            message=None,
        )
    ).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if taken == 1 else None


def beat(job_id: int) -> None:
    """Tell the site this job's worker is alive (in a transaction of its own)."""
    jobs = Job.__table__
    with db.engine.begin() as connection:
        connection.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.state == RUNNING)
            .values(heartbeat_at=utcnow())
        )


def record(job_id: int, first: int, results: list[FileResult]) -> None:
    """Add results as the job's files from position `first` on; in the caller's transaction."""
    if not results:
        return
    # A job's file row holds a FileResult's fields, column for column.
    rows = [
        {"job_id": job_id, "position": first + offset, **asdict(result)}
        for offset, result in enumerate(results)
    ]
    db.session.execute(insert(JobFile.__table__), rows)
    jobs = Job.__table__
    db.session.execute(
        update(jobs)
        .where(jobs.c.id == job_id)
        .values(
            done=first + len(results),
            current=results[-1].name[:500],
            heartbeat_at=utcnow(),
        )
    )


def advance(job_id: int, done: int, current: str) -> None:
    """Move a job that reports no files (an export) on, in a transaction of its own."""
    jobs = Job.__table__
    with db.engine.begin() as connection:
        connection.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(done=done, current=current[:500], heartbeat_at=utcnow())
        )


def finish(job_id: int, state: str, message: str | None = None) -> None:
    """Mark a job done, failed or interrupted; commit."""
    db.session.rollback()
    jobs = Job.__table__
    values = {"state": state, "message": message, "current": None}
    if state in FINISHED:
        values["finished_at"] = utcnow()
    db.session.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
    db.session.commit()


def nothing_published(job: Job) -> str | None:
    """Return why a job that saved no document failed (its first rejection), else None.

    A corrupt bundle, or one whose every file was refused, is a failed job, not a done one.
    """
    counts = outcome_counts(job)
    if not counts or set(counts) != {REJECTED}:
        return None
    first = job_files(job, limit=1)[0]
    nothing = N_("nothing was published; %(name)s: %(reason)s")
    return nothing % {"name": first.name, "reason": first.reason}


def resume(job: Job) -> bool:
    """Queue an interrupted job again (it goes on after the files it reported); commit."""
    if effective_state(job) != INTERRUPTED or not inputs.available(job.id):
        return False
    jobs = Job.__table__
    db.session.execute(
        update(jobs).where(jobs.c.id == job.id).values(state=INTERRUPTED, attempts=0)
    )
    db.session.commit()
    return True


def recover() -> list[int]:
    """Mark jobs whose worker died as interrupted; return the jobs a worker should take.

    Called when a worker starts: queued jobs (their queue message may be gone with a
    restarted Redis) and interrupted jobs not yet tried MAX_ATTEMPTS times.
    """
    jobs = Job.__table__
    db.session.execute(
        update(jobs)
        .where(
            jobs.c.state == RUNNING,
            or_(jobs.c.heartbeat_at.is_(None), jobs.c.heartbeat_at < stale_before()),
        )
        .values(state=INTERRUPTED)
    )
    db.session.commit()
    waiting = select(Job.id).where(
        or_(Job.state == QUEUED, (Job.state == INTERRUPTED) & (Job.attempts < MAX_ATTEMPTS))
    )
    return list(db.session.scalars(waiting.order_by(Job.id)))


def progress(job: Job, counts: dict[str, int] | None = None) -> Progress:
    """Return how far a job got, with an estimate of the time left.

    `counts` are its outcome counts when the caller has them (a list counts all its jobs
    in one query); else they are counted here.
    """
    state = effective_state(job)
    now = utcnow()
    end = job.finished_at or (job.heartbeat_at if state == INTERRUPTED else now)
    elapsed = end - job.started_at if job.started_at and end else None
    total = max(job.total, job.done)
    remaining = None
    if state == RUNNING and elapsed and job.done:
        remaining = elapsed / job.done * max(total - job.done, 0)
    percent = 100 if state == DONE else (100 * job.done // total if total else 0)
    if counts is None:
        counts = outcome_counts(job)
    return Progress(state, job.done, total, percent, job.current, elapsed, remaining, counts)


def outcome_counts(job: Job) -> dict[str, int]:
    """Return how many of the job's files were created, updated, unchanged, rejected."""
    return counts_of([job.id]).get(job.id, {})


def counts_of(job_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return the outcome counts of several jobs (job id -> outcome -> files) in one query."""
    counted = (
        select(JobFile.job_id, JobFile.outcome, func.count())
        .where(JobFile.job_id.in_(job_ids))
        .group_by(JobFile.job_id, JobFile.outcome)
    )
    counts: dict[int, dict[str, int]] = {}
    for job_id, outcome, count in db.session.execute(counted):
        counts.setdefault(job_id, {})[outcome] = count
    return counts


def job_files(job: Job, *, since: int = 0, limit: int | None = None) -> list[JobFile]:
    """Return the job's file results from position `since` on, in order."""
    query = (
        select(JobFile)
        .where(JobFile.job_id == job.id, JobFile.position >= since)
        .order_by(JobFile.position)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def recent_jobs(page: int = 1, owner: int | None = None) -> tuple[list[Job], int]:
    """Return a page of jobs (only `owner`'s, when given), newest first, and the page count."""
    mine = [Job.user_id == owner] if owner is not None else []
    total = db.session.scalar(select(func.count(Job.id)).where(*mine)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    jobs = db.session.scalars(
        select(Job)
        .where(*mine)
        .options(selectinload(Job.user))  # the list names who started each
        .order_by(Job.created_at.desc(), Job.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return list(jobs), pages


def purge_expired() -> int:
    """Delete jobs that ended longer ago than JOB_KEEP_DAYS, with their results and files."""
    cutoff = utcnow() - timedelta(days=float(current_app.config["JOB_KEEP_DAYS"]))
    ended = or_(
        Job.finished_at < cutoff,
        (Job.finished_at.is_(None)) & (Job.state != RUNNING) & (Job.created_at < cutoff),
    )
    expired = list(db.session.scalars(select(Job.id).where(ended)))
    if not expired:
        return 0
    db.session.execute(delete(JobFile.__table__).where(JobFile.__table__.c.job_id.in_(expired)))
    db.session.execute(delete(Job.__table__).where(Job.__table__.c.id.in_(expired)))
    db.session.commit()
    for job_id in expired:
        inputs.discard(job_id)
        inputs.export_file(job_id).unlink(missing_ok=True)
    return len(expired)
