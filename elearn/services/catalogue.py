"""The catalogue's one rule: who may study a course.

A course (and a study plan) names its audience: cadres, students or all. A person studies the
courses of their own audience and those for all; people who prepare or administer courses
(admins, authors) may also open any course, whatever its audience, but their catalogue shows
their own audience's courses like everyone's."""
from __future__ import annotations

from typing import Iterable

from ..content.model import Course, CourseAudience
from ..models import Role, User
from ..registry import current_registry

STAFF_ROLES = frozenset({Role.ADMIN, Role.AUTHOR})


def audiences_of(user: User | None) -> tuple[str, ...]:
    """The audience values whose courses and plans are meant for this person."""
    return (CourseAudience.ALL.value, getattr(user, "audience", None) or CourseAudience.ALL.value)


def for_audience(audience: str, user: User | None) -> bool:
    """Is something written for `audience` meant for this person?"""
    return audience in audiences_of(user)


def may_study(course: Course, user: User) -> bool:
    """May this signed-in person open the course (its lessons, its quiz)?"""
    return for_audience(course.audience, user) or any(
        grant.role in STAFF_ROLES for grant in user.grants)


def visible_courses(user: User | None, courses: Iterable[Course] | None = None) -> list[Course]:
    """The catalogue of this person (everything for a visitor who has not signed in)."""
    courses = current_registry().courses.values() if courses is None else courses
    if user is None:
        return list(courses)
    return [course for course in courses if for_audience(course.audience, user)]
