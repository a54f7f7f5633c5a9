"""Background jobs: one row per piece of work longer than a request (imports, exports).

The queue library (Huey) only carries the job's id; this row is the truth about the job, so
a worker killed mid-way, a duplicate message or a retry never changes what the person sees.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .org import Unit
from .people import User


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The unit the work is about (the requester's unit): admins see jobs in their subtree.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The uploaded file, kept in the database so a worker on another host can read it.
    input: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    result_path: Mapped[str | None] = mapped_column(String(500))
    result_name: Mapped[str | None] = mapped_column(String(255))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column()
    # Moved on by the running worker; a running job whose heartbeat stops was orphaned.
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(index=True)

    requested_by: Mapped[User | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0
