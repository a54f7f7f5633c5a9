"""Lesson study and course progress. The only writer of LessonView rows.

"Studied" needs the course's `min_reading_seconds` to have passed on the server clock since
the lesson was first opened, so clicking through a course does not count.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from ..content.model import Course, Lesson
from ..extensions import db
from ..models import AttemptState, LessonView, QuizAttempt, User
from ..models.org import utcnow


def now() -> datetime:
    """The server clock (naive UTC), in one place so tests can move it."""
    return utcnow()


@dataclass(frozen=True)
class StudyResult:
    studied: bool
    seconds_left: int = 0


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


def _view(user: User, course: Course, lesson: Lesson) -> LessonView | None:
    return db.session.scalar(select(LessonView).where(
        LessonView.user_id == user.id, LessonView.course_slug == course.slug,
        LessonView.lesson_slug == lesson.slug))


def open_lesson(user: User, course: Course, lesson: Lesson) -> LessonView:
    """Record that the person opened the lesson (the first time starts the reading clock)."""
    view = _view(user, course, lesson)
    if view is not None:
        return view
    view = LessonView(user_id=user.id, course_slug=course.slug, lesson_slug=lesson.slug,
                      course_version=course.version, content_hash=course.content_hash,
                      opened_at=now())
    db.session.add(view)
    try:
        db.session.commit()
    except IntegrityError:  # the same lesson opened in two tabs at once
        db.session.rollback()
        view = _view(user, course, lesson)
    return view


def seconds_left(course: Course, view: LessonView | None, at: datetime | None = None) -> int:
    """How long until the lesson may be marked as studied (0 when it may, or is, studied)."""
    if view is not None and view.studied_at is not None:
        return 0
    if view is None:
        return course.min_reading_seconds
    elapsed = ((at or now()) - view.opened_at).total_seconds()
    return max(0, math.ceil(course.min_reading_seconds - elapsed))


def mark_studied(user: User, course: Course, lesson: Lesson) -> StudyResult:
    """Record the lesson as studied if it has been open long enough on the server clock."""
    view = _view(user, course, lesson)
    if view is None:  # never opened through the lesson page: start the clock now
        view = open_lesson(user, course, lesson)
    if view.studied_at is not None:
        return StudyResult(True)
    at = now()
    left = seconds_left(course, view, at)
    if left > 0:
        return StudyResult(False, left)
    # Stamp what was studied: this version and content of the course.
    view.studied_at = at
    view.course_version = course.version
    view.content_hash = course.content_hash
    db.session.commit()
    check_completion(user, course)
    return StudyResult(True)


def check_completion(user: User, course: Course) -> None:
    """After a step that may complete the course (a lesson studied, a quiz passed): let the
    course's completion rule issue the completion record (idempotent)."""
    from . import completions  # it reads this module's state: imported late, no cycle

    completions.evaluate(user, course)


def lesson_views(user: User, course: Course) -> dict[str, LessonView]:
    rows = db.session.scalars(select(LessonView).where(
        LessonView.user_id == user.id, LessonView.course_slug == course.slug))
    return {row.lesson_slug: row for row in rows}


def studied_lessons(user: User, course: Course) -> set[str]:
    current = {lesson.slug for lesson in course.lessons}
    return {slug for slug, view in lesson_views(user, course).items()
            if view.studied_at is not None and slug in current}


def course_progress(user: User, course: Course) -> Progress:
    return progress_for(user, [course])[course.slug]


def progress_for(user: User, courses: Iterable[Course]) -> dict[str, Progress]:
    """Progress in each course, in two queries whatever the number of courses."""
    courses = list(courses)
    slugs = [course.slug for course in courses]
    studied: dict[str, set[str]] = {slug: set() for slug in slugs}
    best: dict[str, tuple[float | None, bool]] = {}
    if slugs and user is not None and user.is_authenticated:
        for course_slug, lesson_slug in db.session.execute(
                select(LessonView.course_slug, LessonView.lesson_slug).where(
                    LessonView.user_id == user.id, LessonView.course_slug.in_(slugs),
                    LessonView.studied_at.is_not(None))):
            studied[course_slug].add(lesson_slug)
        for course_slug, score, passed in db.session.execute(
                select(QuizAttempt.course_slug, func.max(QuizAttempt.score),
                       func.max(case((QuizAttempt.passed, 1), else_=0)))
                .where(QuizAttempt.user_id == user.id, QuizAttempt.course_slug.in_(slugs),
                       QuizAttempt.state == AttemptState.FINISHED)
                .group_by(QuizAttempt.course_slug)):
            best[course_slug] = (score, bool(passed))
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
