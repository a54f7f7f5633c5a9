"""Study plans: which courses a year's pledge needs, for whom, by when; deadline extensions per
unit; and opening a person's pledge for a year (the default plan from course.yaml is created
then, if the year has none). Writes commit; creations made while opening a page are audited."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import DeadlineExtension, Pledge, StudyPlan, Unit, User
from ..registry import current_registry
from .. import events
from . import audit, pledges, submissions
from .orgs import within_any
from .unit_of_work import until_it_stands


@dataclass(frozen=True)
class PlanFields:
    """What the planner's form says, already validated."""

    year: int
    unit: Unit
    title: str
    audience: str
    deadline: date
    courses: list[str]
    superiors_first: bool
    template: str
    inside_first: bool
    study_since: date | None
    min_versions: dict[str, str] = field(default_factory=dict)


def plans_within(paths: list[str]) -> list[StudyPlan]:
    """Plans of units in these subtrees, newest year first, in tree order."""
    return list(db.session.scalars(
        select(StudyPlan).join(Unit, StudyPlan.unit_id == Unit.id).where(within_any(paths))
        .order_by(StudyPlan.year.desc(), Unit.path)))


def extensions_of(plan: StudyPlan) -> list[DeadlineExtension]:
    return list(db.session.scalars(select(DeadlineExtension).where(
        DeadlineExtension.plan_id == plan.id)))


def save_plan(plan: StudyPlan | None, fields: PlanFields, *, by: User,
              key: str | None = None) -> StudyPlan:
    """Create (plan None) or change a plan, and commit. A creation is audited, and the form's
    one-time `key` makes a repeated submission return the plan already created."""
    if plan is not None:
        _apply(plan, fields)
        db.session.commit()
        return plan
    by_id = by.id

    def create() -> StudyPlan:
        created = StudyPlan(created_by_id=by_id)
        db.session.add(created)
        _apply(created, fields)
        db.session.flush()
        audit.record("plan.created", actor_id=by_id, subject=f"plan:{created.id}",
                     data={"year": fields.year, "unit_id": fields.unit.id})
        events.emit("plan.assigned", key=f"plan.assigned:plan:{created.id}", person_id=None,
                    actor_id=by_id, unit_id=fields.unit.id,
                    data={"plan_id": created.id, "year": fields.year,
                          "title": fields.title.strip()[:200],
                          "deadline": fields.deadline.isoformat()})
        return created

    return submissions.once(key, f"plan.create:unit:{fields.unit.id}", by, create,
                            lambda id_: db.session.get(StudyPlan, id_), what="the study plan")


def _apply(plan: StudyPlan, fields: PlanFields) -> None:
    plan.year, plan.unit, plan.title = fields.year, fields.unit, fields.title.strip()
    plan.audience, plan.deadline = fields.audience, fields.deadline
    plan.courses = json.dumps(fields.courses or [])
    plan.superiors_first, plan.template = fields.superiors_first, fields.template
    plan.inside_first, plan.study_since = fields.inside_first, fields.study_since
    plan.min_versions = json.dumps(fields.min_versions)


def extend_deadline(plan: StudyPlan, unit: Unit, deadline: date, *, by: User) -> None:
    """A later (or earlier) deadline for the unit's subtree; one row per plan and unit, so a
    repeated request changes the same row."""
    plan_id, unit_id, by_id = plan.id, unit.id, by.id

    def write() -> None:
        existing = db.session.scalar(select(DeadlineExtension).where(
            DeadlineExtension.plan_id == plan_id, DeadlineExtension.unit_id == unit_id))
        if existing:
            existing.deadline = deadline
        else:
            db.session.add(DeadlineExtension(plan_id=plan_id, unit_id=unit_id,
                                             deadline=deadline, granted_by_id=by_id))
        db.session.commit()

    until_it_stands(write, what="the study plan")


def has_plan(user: User, year: int) -> bool:
    """Is there a plan for this person's pledge of `year`, or would opening it create the
    default one? A read: nothing is created."""
    if pledges.applicable_plan(user, year, create_default=False) is not None:
        return True
    if db.session.scalar(select(StudyPlan.id).where(StudyPlan.year == year).limit(1)):
        return False  # the year has plans, none of them for this person
    return any(year in course.pledge_years for course in current_registry().courses.values())


def open_pledge(user: User, year: int) -> tuple[StudyPlan, Pledge] | None:
    """The person's plan and pledge for `year`, creating what is missing and committing:
    the year's default plan (from course.yaml, audited "plan.default_created") when the year
    has no plan at all, and the person's draft (audited "pledge.opened"). None if no plan
    applies. Opening the editor is the one GET that writes, through this call."""
    user_id = user.id

    def write() -> tuple[StudyPlan, Pledge] | None:
        plan = pledges.applicable_plan(user, year, create_default=False)
        if plan is None:
            plan = pledges.applicable_plan(user, year)  # creates the default, if any
            if plan is None:
                return None
            audit.record("plan.default_created", actor_id=user_id, subject=f"plan:{plan.id}",
                         data={"year": year, "unit_id": plan.unit_id})
        pledge = pledges.pledge_for(user, plan, create=False)
        if pledge is None:
            pledge = pledges.pledge_for(user, plan)
            # Filed versions make a pledge's own history ("pledge:ID"); opening a draft is
            # the person's act, so it is recorded under them.
            audit.record("pledge.opened", actor_id=user_id, subject=f"user:{user_id}",
                         data={"year": year, "plan": plan.id, "pledge": pledge.id})
            db.session.commit()
        else:
            db.session.commit()  # the default plan, if this call created it
        return plan, pledge

    return until_it_stands(write, what="the study plan")
