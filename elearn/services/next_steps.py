"""What the learner should do next: this year's plan, where to resume a course, certificates.

Read-only: the home, course and result pages call these on GET, so nothing here creates a
plan or a pledge (opening the pledge editor does that, through `plans.open_pledge`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping

from sqlalchemy import select

from ..content.model import Course, Lesson
from ..extensions import db
from ..models import Completion, Pledge, Revocation, User
from ..models.pledges import EDITABLE
from ..registry import current_registry
from . import catalogue, codes, committees, plans, pledges
from .progress import Progress, progress_for


@dataclass(frozen=True)
class PlanCourse:
    slug: str
    course: Course | None
    """None when the plan names a course this installation does not have."""
    progress: Progress | None
    may_open: bool
    certificate: str | None
    """The code of the live completion, when the course is complete."""


@dataclass(frozen=True)
class YearPlan:
    year: int
    title: str | None
    deadline: date
    courses: list[PlanCourse]
    pledge: Pledge | None
    """None until the person first opens their pledge."""
    superiors_waiting: list[str] = field(default_factory=list)
    party_members_waiting: list[str] = field(default_factory=list)

    @property
    def may_edit_pledge(self) -> bool:
        return self.pledge is None or self.pledge.status in EDITABLE

    @property
    def courses_done(self) -> int:
        return sum(1 for item in self.courses if item.certificate)


def certificate_codes(user: User, slugs: Iterable[str]) -> dict[str, str]:
    """The live (not revoked) completion code of each course the person completed, as the
    certificate's address shows it; one query."""
    slugs = list(slugs)
    if not slugs or user is None or not user.is_authenticated:
        return {}
    rows = db.session.execute(
        select(Completion.course_slug, Completion.code).outerjoin(Revocation)
        .where(Completion.user_id == user.id, Completion.course_slug.in_(slugs),
               Revocation.id.is_(None), Completion.revoked.is_(False)))
    return {slug: codes.display(code) for slug, code in rows}


def resume_lesson(course: Course, studied: Mapping[str, object]) -> Lesson | None:
    """The first lesson not studied yet, in course order (None when all are studied).
    `studied` maps lesson slugs to their view; a view without `studied_at` is only opened."""
    for lesson in course.lessons:
        view = studied.get(lesson.slug)
        if view is None or getattr(view, "studied_at", None) is None:
            return lesson
    return None


def year_plan(user: User, year: int) -> YearPlan | None:
    """The person's study plan for `year` as the home page shows it, or None if none applies.

    When the year has no plan yet but course.yaml implies the default one, that default is
    described without creating it (the first person to open their pledge creates it)."""
    if user is None or not user.is_authenticated or user.unit is None:
        return None
    registry = current_registry()
    plan = pledges.applicable_plan(user, year, create_default=False)
    if plan is not None:
        slugs = pledges.plan_courses(plan)
        deadline = pledges.deadline_for(plan, user.unit)
        title: str | None = plan.title
        pledge = pledges.pledge_for(user, plan, create=False)
        superiors_first, inside_first = bool(plan.superiors_first), bool(plan.inside_first)
    else:
        if not plans.has_plan(user, year):
            return None
        slugs = [c.slug for c in registry.courses.values() if year in c.pledge_years]
        deadline, title, pledge = date(year, 12, 31), None, None
        superiors_first, inside_first = True, False  # the default plan's settings
    courses = [registry.course(slug) for slug in slugs]
    known = [course for course in courses if course is not None]
    progress = progress_for(user, known)
    codes = certificate_codes(user, [course.slug for course in known])
    items = [PlanCourse(slug, course, progress.get(slug),
                        course is not None and catalogue.may_study(course, user),
                        codes.get(slug))
             for slug, course in zip(slugs, courses)]
    result = YearPlan(year=year, title=title, deadline=deadline, courses=items, pledge=pledge)
    if pledge is None or pledge.status in EDITABLE:
        # Who this person waits for before filing (trên trước, dưới sau; trong trước, ngoài
        # sau): the same rule the pledge checks apply when they file.
        if superiors_first:
            result.superiors_waiting.extend(p.full_name for p in committees.not_yet_filed(
                committees.must_file_first(user), year))
        if inside_first:
            result.party_members_waiting.extend(p.full_name for p in committees.not_yet_filed(
                committees.party_members_first(user), year))
    return result
