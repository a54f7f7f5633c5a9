"""Jobs: work longer than a request, recorded in the `jobs` table and run by a queue worker.

The queue (see elearn/jobqueue.py) only carries a job's id. Everything that matters is here:

- `submit` is idempotent: the same work asked twice (a double click, two admins, a retried
  request) finds the same row through its unique idempotency key, and only the request that
  created the row puts a message on the queue.
- `execute` claims the row with one conditional UPDATE (queued, or running with a stale
  heartbeat after a worker died), so duplicate messages and retries run the work once at a
  time. Each claim increments `attempts`, which is the fencing token: a worker that lost its
  claim can no longer mark the job done, and its import transaction is rolled back.
- `housekeeping` (a periodic task) re-queues orphaned jobs and deletes expired result files.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..extensions import db
from ..jobqueue import enqueue
from ..models import Job, JobStatus, Unit, User

log = logging.getLogger(__name__)
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobRejected(Exception):
    """The work cannot succeed as asked (bad rows, unknown unit): failed at once, no retry.

    `message` is translated text for the person."""


@dataclass
class JobContext:
    """What a job handler may do: report progress, write its result file, finish."""

    job: Job
    attempt: int
    result_path: Path | None = None
    result_name: str | None = None

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress (and prove this worker is alive) in its own short transaction."""
        values: dict[str, Any] = {"done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = total
        # A separate connection: the handler's session may be streaming a query.
        with db.engine.begin() as connection:
            connection.execute(update(Job).where(Job.id == self.job.id,
                                                 Job.attempts == self.attempt).values(**values))

    def result_file(self, name: str) -> Path:
        """The path the handler writes its result to; shown to the person as `name`."""
        folder = jobs_dir()
        self.result_name = name
        self.result_path = folder / f"{self.job.id}-{secrets.token_hex(8)}{Path(name).suffix}"
        return self.result_path

    def mark_done_in_session(self, total: int | None = None) -> bool:
        """Mark the job done inside the caller's transaction (all-or-nothing imports).

        False when this worker no longer holds the job: the caller must roll back."""
        now = utcnow()
        values: dict[str, Any] = {
            "status": JobStatus.DONE, "finished_at": now, "heartbeat_at": now, "error": None,
            "result_path": str(self.result_path) if self.result_path else None,
            "result_name": self.result_name, "input": None,
            "expires_at": now + timedelta(hours=current_app.config["JOBS_RESULT_HOURS"])}
        if total is not None:
            values["done"] = values["total"] = total
        result = db.session.execute(update(Job).where(
            Job.id == self.job.id, Job.attempts == self.attempt,
            Job.status == JobStatus.RUNNING).values(**values))
        return result.rowcount == 1


Handler = Callable[[JobContext], None]


def jobs_dir() -> Path:
    folder = Path(current_app.config.get("JOBS_DIR") or
                  Path(current_app.instance_path) / "jobs")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def idempotency_key(kind: str, requester: User | None, params: dict[str, Any],
                    data: bytes | None = None, window_seconds: int | None = None) -> str:
    """The same work by the same person gives the same key. With a window, only within it
    (an export asked twice in a minute is one job; tomorrow's export is new work)."""
    parts: list[Any] = [kind, requester.id if requester else None, params,
                        hashlib.sha256(data).hexdigest() if data is not None else None]
    if window_seconds:
        parts.append(int(utcnow().timestamp()) // window_seconds)
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def submit(kind: str, params: dict[str, Any], *, requested_by: User | None = None,
           unit: Unit | None = None, data: bytes | None = None,
           window_seconds: int | None = None) -> Job:
    """Record the job and put it on the queue, once: a duplicate returns the existing job."""
    key = idempotency_key(kind, requested_by, params, data, window_seconds)
    return _submit_once(key, kind, params, requested_by=requested_by, unit=unit, data=data)


def _submit_once(key: str, kind: str, params: dict[str, Any], *, requested_by: User | None,
                 unit: Unit | None, data: bytes | None = None) -> Job:
    existing = db.session.scalar(select(Job).where(Job.idempotency_key == key))
    if existing is not None:
        return _resubmit(existing)
    job = Job(kind=kind, params=params, input=data, idempotency_key=key,
              requested_by_id=requested_by.id if requested_by else None,
              unit_id=(unit.id if unit else requested_by.unit_id if requested_by else None))
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:
        # Someone submitted the same work at the same moment: theirs is the job.
        db.session.rollback()
        return db.session.scalar(select(Job).where(Job.idempotency_key == key))
    enqueue(job.id)
    return job


def submit_while_running(kind: str, params: dict[str, Any], *, requested_by: User,
                         unit: Unit | None = None) -> Job:
    """Like `submit`, but "the same work" means "while it is queued or running": pressing
    twice (or two tabs at once) gives one job; asking once it has finished is new work (new
    completions since). Each run's key follows from the last finished run of the same
    params, so duplicates racing past a finished run still collide on one key."""
    latest = _latest_like(kind, requested_by, params)
    if latest is not None and not latest.finished:
        return latest
    key = idempotency_key(kind, requested_by, {"params": params,
                                               "after": latest.id if latest else None})
    return _submit_once(key, kind, params, requested_by=requested_by, unit=unit)


def _latest_like(kind: str, requested_by: User, params: dict[str, Any]) -> Job | None:
    # Params are JSON (not comparable in SQL on every backend): compared here, newest first,
    # among this person's jobs of this kind only.
    for job in db.session.scalars(select(Job).where(
            Job.kind == kind, Job.requested_by_id == requested_by.id).order_by(Job.id.desc())):
        if job.params == params:
            return job
    return None


def _resubmit(job: Job) -> Job:
    """Asking again for work that failed runs it again; anything else is left as it is."""
    if job.status != JobStatus.FAILED:
        return job
    result = db.session.execute(update(Job).where(
        Job.id == job.id, Job.status == JobStatus.FAILED).values(
        status=JobStatus.QUEUED, error=None, done=0, finished_at=None, heartbeat_at=None))
    db.session.commit()
    if result.rowcount == 1:
        enqueue(job.id)
    db.session.refresh(job)
    return job


def claim(job_id: int) -> int | None:
    """Take the job for this worker; the attempt number (fencing token), or None if another
    worker has it or it is finished."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])
    attempts = db.session.scalar(select(Job.attempts).where(Job.id == job_id))
    if attempts is None:
        return None
    result = db.session.execute(update(Job).where(
        Job.id == job_id, Job.attempts == attempts,
        or_(Job.status == JobStatus.QUEUED,
            (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < stale))).values(
        status=JobStatus.RUNNING, attempts=attempts + 1, heartbeat_at=now,
        started_at=now, done=0))
    db.session.commit()
    return attempts + 1 if result.rowcount == 1 else None


def execute(job_id: int, handlers: dict[str, Handler], *, retries_left: int = 0) -> bool:
    """Run one job if this worker can claim it. True when the job is finished afterwards.

    A JobRejected fails the job at once; any other error is recorded and re-raised while
    retries are left, so the queue retries it with backoff."""
    attempt = claim(job_id)
    if attempt is None:
        return False
    job = db.session.get(Job, job_id)
    context = JobContext(job, attempt)
    try:
        with force_locale(job.params.get("locale") or
                          current_app.config["BABEL_DEFAULT_LOCALE"]):
            handlers[job.kind](context)
        if db.session.scalar(select(Job.status).where(Job.id == job_id)) == JobStatus.RUNNING:
            if not context.mark_done_in_session():
                db.session.rollback()
                return False
        db.session.commit()
        return True
    except JobRejected as exc:
        db.session.rollback()
        _finish_failed(job_id, attempt, str(exc), final=True, context=context)
        return True
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s (%s) failed on attempt %s", job_id, job.kind, attempt)
        text = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        _finish_failed(job_id, attempt, text, final=retries_left <= 0)
        if retries_left > 0:
            raise
        return True


def _finish_failed(job_id: int, attempt: int, error: str, *, final: bool,
                   context: JobContext | None = None) -> None:
    now = utcnow()
    values: dict[str, Any] = {"error": error, "heartbeat_at": now}
    if context is not None and context.result_path is not None \
            and context.result_path.is_file():
        # A rejected import still shows every bad line.
        values.update(result_path=str(context.result_path), result_name=context.result_name)
    if final:
        # The upload is kept until expiry so that asking again can run the job again.
        values.update(status=JobStatus.FAILED, finished_at=now, expires_at=now + timedelta(
            hours=current_app.config["JOBS_RESULT_HOURS"]))
    else:
        values.update(status=JobStatus.QUEUED)   # a retry is scheduled with backoff
    db.session.execute(update(Job).where(Job.id == job_id, Job.attempts == attempt)
                       .values(**values))
    db.session.commit()


def orphaned_jobs() -> list[int]:
    """Jobs nobody is working on: running with a stale heartbeat (the worker died), or
    queued for longer than the stale period with no message seen (lost message)."""
    stale = utcnow() - timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])
    return list(db.session.scalars(select(Job.id).where(
        Job.status.in_(ACTIVE),
        or_(Job.heartbeat_at < stale, Job.heartbeat_at.is_(None) & (Job.created_at < stale)))
        .order_by(Job.id)))


def requeue_orphans() -> list[int]:
    """Put orphaned jobs back on the queue (at most once per stale period each)."""
    ids = orphaned_jobs()
    for job_id in ids:
        # Touch the heartbeat so the next sweep does not queue it again straight away; the
        # claim still sees a dead worker's job as stale only after JOBS_STALE_SECONDS.
        db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                           .values(heartbeat_at=utcnow()))
        db.session.commit()
        enqueue(job_id)
    return ids


def delete_expired_results(now: datetime | None = None) -> int:
    """Delete result files (and kept uploads) past their expiry; the job row stays."""
    now = now or utcnow()
    expired = list(db.session.scalars(select(Job).where(
        Job.expires_at < now, or_(Job.result_path.is_not(None), Job.input.is_not(None)))))
    for job in expired:
        if job.result_path:
            try:
                os.unlink(job.result_path)
            except FileNotFoundError:
                pass
        job.result_path = None
        job.input = None
    db.session.commit()
    return len(expired)


def housekeeping() -> None:
    delete_expired_results()
    requeue_orphans()


def result_available(job: Job) -> bool:
    return job.result_path is not None and Path(job.result_path).is_file()


def read_json_result(job: Job) -> dict[str, Any] | None:
    if not result_available(job):
        return None
    return json.loads(Path(job.result_path).read_text(encoding="utf-8"))


def write_json(path: Path, value: Any) -> None:
    """Write then rename, so a reader (or a retry) never sees half a file."""
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


def get_job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


def jobs_of(user: User, limit: int = 50) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.requested_by_id == user.id)
                                   .order_by(Job.id.desc()).limit(limit)))


def jobs_for_admin(paths: Iterable[str], status: str | None = None,
                   limit: int = 200) -> list[Job]:
    """Jobs about units in the admin's subtrees; jobs with no unit (from the command line)
    only for admins of a whole tree (a root unit)."""
    from .orgs import within_any

    paths = list(paths)
    clauses = [within_any(paths)]
    if any(path.count("/") == 2 for path in paths):
        clauses.append(Job.unit_id.is_(None))
    statement = (select(Job).outerjoin(Unit, Job.unit_id == Unit.id).where(or_(*clauses))
                 .order_by(Job.id.desc()).limit(limit))
    if status:
        statement = statement.where(Job.status == status)
    return list(db.session.scalars(statement))


def wait_for(job_id: int, *, timeout: float, poll: float = 0.2,
             on_progress: Callable[[Job], None] | None = None) -> Job:
    """Poll until the job finishes (used by the command line and tests)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if on_progress:
            on_progress(job)
        if job.finished or time.monotonic() > deadline:
            db.session.rollback()
            return job
        db.session.rollback()
        time.sleep(poll)
