"""Evidence of study: completion records (immutable), their revocations, and the append-only,
hash-chained audit log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .org import Unit
from .people import User


class Completion(db.Model):
    """Proof that a person completed a course: which version (content hash), when, how, and
    with what score. Never edited in place; a revocation is its own record.

    `generation` counts earlier revoked completions of the same course by the same person, so
    the unique constraint allows exactly one live record at a time, even under races.

    `revoked` is covered by the signature once set: the record itself commits to its
    revocation, so deleting the revocation row cannot turn it back to valid (it reads invalid).
    """

    __tablename__ = "completions"
    __table_args__ = (
        UniqueConstraint("user_id", "course_slug", "generation"),
        Index("ix_completions_course_completed", "course_slug", "completed_at"),
        Index("ix_completions_user_course", "user_id", "course_slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    generation: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None]
    method: Mapped[str] = mapped_column(String(16))  # online | in_person
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    signature: Mapped[str] = mapped_column(String(64))
    revoked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Which key of the completion keyring signed it (see elearn/keyring.py).
    key_id: Mapped[str] = mapped_column(String(16), default="k1", server_default="k1")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    unit: Mapped[Unit] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    revocation: Mapped["Revocation | None"] = relationship(back_populates="completion",
                                                           uselist=False)


class Revocation(db.Model):
    """Why and by whom a completion was withdrawn; signed with the completion key (an empty
    signature marks a revocation from before signing, see `flask elearn audit seal`)."""

    __tablename__ = "revocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("completions.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[str] = mapped_column(String(64), default="", server_default="")
    key_id: Mapped[str] = mapped_column(String(16), default="k1", server_default="k1")

    completion: Mapped[Completion] = relationship(back_populates="revocation")
    revoked_by: Mapped[User | None] = relationship()


class AuditEntry(db.Model):
    """One state change. Each entry stores the hash of the previous one, so any change,
    removal or reordering breaks the chain (`flask elearn audit verify`). `mac` is an HMAC of
    the hash with a key kept outside the database, so a rewritten chain cannot be re-hashed
    by someone who can only write the database."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # Which key of the audit keyring made `mac`.
    key_id: Mapped[str] = mapped_column(String(16), default="k1", server_default="k1")


class AuditHead(db.Model):
    """The chain's current end, updated with compare-and-swap so concurrent writers queue."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
