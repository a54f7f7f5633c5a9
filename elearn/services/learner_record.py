"""What a learner has done in a course, read in one place and never written.

Completion rules, the quiz's lock and the course pages read a person's lessons and attempts
through here. Reading is only reading: an attempt past its deadline stays in progress until a
writer closes it (`quiz.close_expired`), so building a record can never grade, commit or
issue a completion behind the caller's back.
"""
from __future__ import annotations

from functools import cache
from typing import Iterable

from sqlalchemy import Select, bindparam, case, func, select

from ..content.model import Course
from ..extensions import db
from ..interfaces import LearnerRecord
from ..models import AttemptState, LessonView, QuizAttempt, User
from ..sql_functions import comma_joined


def lesson_views(user: User, course: Course) -> dict[str, LessonView]:
    rows = db.session.scalars(select(LessonView).where(
        LessonView.user_id == user.id, LessonView.course_slug == course.slug))
    return {row.lesson_slug: row for row in rows}


def studied_lessons(user: User, course: Course) -> set[str]:
    """Lessons of the course as it is now that the person studied (retired ones don't count)."""
    return studied_among(course, db.session.scalars(_studied_query(), {
        "user_id": user.id, "course_slug": course.slug}))


def studied_among(course: Course, slugs: Iterable[str]) -> set[str]:
    """The lessons of `slugs` (read as studied) that the course has now."""
    current = {lesson.slug for lesson in course.lessons}
    return {slug for slug in slugs if slug in current}


@cache
def studied_column():
    """`studied_lessons`' slugs joined with commas, as a column of another statement (same
    parameters: user_id, course_slug); None when there are none. A lesson's slug has no
    comma (`content.loader.SLUG`)."""
    return (_studied_query().with_only_columns(comma_joined(LessonView.lesson_slug))
            .scalar_subquery())


@cache
def _studied_query() -> Select:
    """Built once, one column: starting a quiz and grading a pass ask on every request, and
    loading whole LessonView rows to read their slugs cost more than the query."""
    return select(LessonView.lesson_slug).where(
        LessonView.user_id == bindparam("user_id"),
        LessonView.course_slug == bindparam("course_slug"),
        LessonView.studied_at.is_not(None))


def studied_by_course(user_id: int, slugs: Iterable[str]) -> dict[str, set[str]]:
    """Lesson slugs studied in each course, in one query."""
    slugs = list(slugs)
    studied: dict[str, set[str]] = {slug: set() for slug in slugs}
    for course_slug, lesson_slug in db.session.execute(
            select(LessonView.course_slug, LessonView.lesson_slug).where(
                LessonView.user_id == user_id, LessonView.course_slug.in_(slugs),
                LessonView.studied_at.is_not(None))):
        studied[course_slug].add(lesson_slug)
    return studied


def quiz_results(user_id: int, slugs: Iterable[str]) -> dict[str, tuple[float | None, bool]]:
    """(best score, passed) over the finished attempts in each course, in one query; a course
    without a finished attempt is missing. The highest grade counts."""
    rows = db.session.execute(
        select(QuizAttempt.course_slug, func.max(QuizAttempt.score),
               func.max(case((QuizAttempt.passed, 1), else_=0)))
        .where(QuizAttempt.user_id == user_id, QuizAttempt.course_slug.in_(list(slugs)),
               QuizAttempt.state == AttemptState.FINISHED)
        .group_by(QuizAttempt.course_slug))
    return {course_slug: (score, bool(passed)) for course_slug, score, passed in rows}


def learner_record(user: User, course: Course) -> LearnerRecord:
    """The snapshot a completion rule judges: lessons studied, quiz passed, best score."""
    best_score, passed = (quiz_results(user.id, [course.slug]).get(course.slug, (None, False))
                          if course.quiz else (None, False))
    return LearnerRecord(lessons_studied=frozenset(studied_lessons(user, course)),
                         quiz_passed=passed, best_score=best_score)
