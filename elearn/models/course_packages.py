"""Courses published through the site (issue #13): uploaded packages and the registry revision.

Several workers and hosts share one database, so what the site runs is recorded here: the
uploaded zip itself (every host extracts it into its own instance folder, keyed by content
hash) and one revision number that any reload or activation raises. Each worker compares the
revision with the one its registry was built at and rebuilds when it moved.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db


class PackageStatus(StrEnum):
    STAGED = "staged"          # uploaded, checked, waiting for an admin
    ACTIVE = "active"          # what learners study
    SUPERSEDED = "superseded"  # was active; a later package of the same course replaced it
    REJECTED = "rejected"      # the check failed: kept for its report, never activated


class CoursePackage(db.Model):
    __tablename__ = "course_packages"
    __table_args__ = (UniqueConstraint("uploaded_by", "data_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[str] = mapped_column(String(50))
    content_hash: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # One package per person and file: two simultaneous sends of one upload meet this
    # constraint, and the loser is given the winner's package.
    data_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=PackageStatus.STAGED)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime | None] = mapped_column()


class CourseRegistryRevision(db.Model):
    """One row (id 1): raised by every reload and activation; workers rebuild when it moves."""

    __tablename__ = "course_registry_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
