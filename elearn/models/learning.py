"""Learner state: lessons opened and studied, quiz attempts and their saved answers.

Course content is not here (it is data, see elearn.content). Every row names the course by
slug and records the course version and content hash it was made against, so a verifier
knows exactly what was studied. Only elearn.services write these rows.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db

if TYPE_CHECKING:
    from .people import User


class AttemptState(StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class LessonView(db.Model):
    """A person's reading of one lesson: first opened (server clock), then studied."""

    __tablename__ = "lesson_views"
    __table_args__ = (
        UniqueConstraint("user_id", "course_slug", "lesson_slug"),
        # Covers the dashboards' per-person counts (read from the index alone).
        Index("ix_lesson_views_user_course_studied", "user_id", "course_slug", "studied_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(100))
    lesson_slug: Mapped[str] = mapped_column(String(100))
    course_version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    studied_at: Mapped[datetime | None]


class QuizAttempt(db.Model):
    """One attempt at a course's quiz. The questions drawn and the order of everything are
    fixed by `question_ids` and `seed`, so every page of the attempt looks the same."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "course_slug", "number"),
        Index("ix_quiz_attempts_user_course_state", "user_id", "course_slug", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(100))
    course_version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    number: Mapped[int]
    """1 for a person's first attempt at this course's quiz, 2 for the next…"""
    seed: Mapped[int] = mapped_column(BigInteger)
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=AttemptState.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime | None]
    last_saved_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(16))
    """"submit" (the learner) or "deadline" (the time limit ran out)."""
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    """Percent, 0–100, once finished."""
    passed: Mapped[bool | None]

    answers: Mapped[list["QuizAnswer"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizAnswer.position")

    @property
    def in_progress(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS


class QuizAnswer(db.Model):
    """The saved answer to one drawn question of an attempt (created empty at the start)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    response: Mapped[Any | None] = mapped_column(JSON)
    """The answer as the question type's grade() takes it; None when unanswered."""
    saved_at: Mapped[datetime | None]
    fraction: Mapped[float | None] = mapped_column(Float)
    points: Mapped[float | None] = mapped_column(Float)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class Accommodation(db.Model):
    """Extra time or attempts a training centre grants one person on one course's quiz,
    with the reason (e.g. a disability or an interrupted exam). One row per person and
    course: granting again replaces the amounts, and every grant is audited."""

    __tablename__ = "accommodations"
    __table_args__ = (UniqueConstraint("user_id", "course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(100))
    extra_minutes: Mapped[int] = mapped_column(default=0)
    extra_attempts: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(500))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    granted_by: Mapped["User | None"] = relationship(foreign_keys=[granted_by_id])
