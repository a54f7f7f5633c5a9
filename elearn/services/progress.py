"""Lesson study and course progress. The only writer of LessonView rows.

"Studied" needs the course's `min_reading_seconds` to have passed on the server clock since
the lesson was first opened, so clicking through a course does not count.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Iterable

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock, events
from ..content.model import Course, Lesson
from ..extensions import db
from ..models import LessonView, User
from . import completions, counter_marks
from .learner_record import lesson_views, quiz_results, studied_by_course, studied_lessons

__all__ = ["Progress", "Reading", "StudyResult", "course_progress", "lesson_views",
           "mark_studied", "open_lesson", "progress_for", "reading_seconds_left",
           "studied_lessons"]


@dataclass(frozen=True)
class StudyResult:
    studied: bool
    reading_seconds_left: int = 0


@dataclass(frozen=True)
class Reading:
    """When the person first opened a lesson, and marked it studied (None: not yet)."""
    opened_at: datetime
    studied_at: datetime | None


@dataclass(frozen=True)
class Progress:
    lessons_total: int
    lessons_studied: int
    has_quiz: bool
    quiz_passed: bool
    best_score: float | None

    @property
    def steps_total(self) -> int:
        return self.lessons_total + (1 if self.has_quiz else 0)

    @property
    def steps_done(self) -> int:
        return self.lessons_studied + (1 if self.has_quiz and self.quiz_passed else 0)

    @property
    def fraction(self) -> float:
        return self.steps_done / self.steps_total if self.steps_total else 0.0

    @property
    def lessons_done(self) -> bool:
        return self.lessons_studied >= self.lessons_total

    @property
    def complete(self) -> bool:
        return self.steps_total > 0 and self.steps_done >= self.steps_total


@cache
def _view_query() -> Select:
    """Built once (composing a statement costs as much as running it)."""
    return select(LessonView).where(
        LessonView.user_id == bindparam("user_id"),
        LessonView.course_slug == bindparam("course_slug"),
        LessonView.lesson_slug == bindparam("lesson_slug"))


def _view(user: User, course: Course, lesson: Lesson) -> LessonView | None:
    return db.session.scalar(_view_query(), {"user_id": user.id, "course_slug": course.slug,
                                             "lesson_slug": lesson.slug})


@cache
def _reading_query() -> Select:
    """`_view_query`'s row, two columns of it."""
    return _view_query().with_only_columns(LessonView.opened_at, LessonView.studied_at)


def open_lesson(user: User, course: Course, lesson: Lesson) -> Reading:
    """Record that the person opened the lesson (the first time starts the reading clock)."""
    # Every lesson page asks; two columns on the session's connection, not an ORM object
    # (the ORM's statement and object machinery cost more than the query, bench/floor.py).
    row = db.session.connection().execute(_reading_query(), {
        "user_id": user.id, "course_slug": course.slug, "lesson_slug": lesson.slug}).first()
    if row is not None:
        return Reading(row.opened_at, row.studied_at)
    opened_at = clock.utcnow()
    db.session.add(LessonView(user_id=user.id, course_slug=course.slug, lesson_slug=lesson.slug,
                              course_version=course.version, content_hash=course.content_hash,
                              opened_at=opened_at))
    # The first opening only (the row is unique): the xAPI "launched" statement.
    events.emit("lesson.opened", key=f"lesson.opened:user:{user.id}:{course.slug}:{lesson.slug}",
                person_id=user.id, actor_id=user.id, unit_id=user.unit_id,
                data={"course": course.slug, "lesson": lesson.slug})
    try:
        db.session.commit()
    except IntegrityError:  # the same lesson opened in two tabs at once
        db.session.rollback()
        view = _view(user, course, lesson)
        return Reading(view.opened_at, view.studied_at)
    return Reading(opened_at, None)


def reading_seconds_left(course: Course, view: Reading | LessonView | None,
                         at: datetime | None = None) -> int:
    """How long until the lesson may be marked as studied (0 when it may, or is, studied)."""
    if view is not None and view.studied_at is not None:
        return 0
    if view is None:
        return course.min_reading_seconds
    elapsed = ((at or clock.utcnow()) - view.opened_at).total_seconds()
    return max(0, math.ceil(course.min_reading_seconds - elapsed))


def mark_studied(user: User, course: Course, lesson: Lesson) -> StudyResult:
    """Record the lesson as studied if it has been open long enough on the server clock."""
    view = _view(user, course, lesson)
    if view is None:  # never opened through the lesson page: start the clock now
        open_lesson(user, course, lesson)
        view = _view(user, course, lesson)
    if view.studied_at is not None:
        return StudyResult(True)
    at = clock.utcnow()
    left = reading_seconds_left(course, view, at)
    if left > 0:
        return StudyResult(False, left)
    # Stamp what was studied: this version and content of the course. One conditional
    # UPDATE, so of duplicate requests one stamps it and only that one tells listeners.
    stamped = db.session.execute(
        update(LessonView).where(LessonView.id == view.id, LessonView.studied_at.is_(None))
        .values(studied_at=at, course_version=course.version,
                content_hash=course.content_hash)
        .execution_options(synchronize_session=False)).rowcount == 1
    if stamped:
        counter_marks.touch_users([user.id])  # the dashboards' lessons studied
        events.emit("lesson.studied",
                    key=f"lesson.studied:user:{user.id}:{course.slug}:{lesson.slug}",
                    person_id=user.id, actor_id=user.id, unit_id=user.unit_id,
                    data={"course": course.slug, "lesson": lesson.slug})
    db.session.commit()
    db.session.expire(view)
    # After the commit: the lesson may have been the last step of the course.
    completions.evaluate(user, course)
    return StudyResult(True)


def course_progress(user: User, course: Course) -> Progress:
    return progress_for(user, [course])[course.slug]


def progress_for(user: User, courses: Iterable[Course]) -> dict[str, Progress]:
    """Progress in each course, in two queries whatever the number of courses."""
    courses = list(courses)
    slugs = [course.slug for course in courses]
    studied: dict[str, set[str]] = {slug: set() for slug in slugs}
    best: dict[str, tuple[float | None, bool]] = {}
    if slugs and user is not None and user.is_authenticated:
        studied = studied_by_course(user.id, slugs)
        best = quiz_results(user.id, slugs)
    result = {}
    for course in courses:
        current = {lesson.slug for lesson in course.lessons}
        score, passed = best.get(course.slug, (None, False))
        result[course.slug] = Progress(
            lessons_total=len(course.lessons),
            lessons_studied=len(studied[course.slug] & current),
            has_quiz=course.quiz is not None,
            quiz_passed=passed,
            best_score=score,
        )
    return result
