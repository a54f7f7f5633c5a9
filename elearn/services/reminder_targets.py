"""Who the scheduled notifications are for: the domain questions behind reminders and digests,
answered in the core so that the notifications plugin only words and sends them
(it reaches these through `elearn.api`).

- `due_reminders`: people a plan applies to, not yet filed, whose deadline (extensions count)
  is a milestone away;
- `reviewers_waiting`: committee members with pledges waiting for them;
- `officer_digests`: for each officer and unit they hold the role on, what waits in that
  subtree per child unit, from the dashboard's figures (`reports.dashboard`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    CommitteeSeat, DeadlineExtension, Pledge, Role, RoleGrant, StudyPlan, Unit, User,
)
from ..models.pledges import FILED_OR_LATER
from . import pledges, reports
from .orgs import subtree_of


def people_under(session: Session, unit_id: int) -> list[int]:
    """The ids of the active people in the unit's subtree (a plan assigned there tells them)."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        return []
    return list(session.scalars(select(User.id).join(Unit, User.unit_id == Unit.id).where(
        subtree_of(unit.path), User.active)))


@dataclass(frozen=True)
class Reminder:
    person_id: int
    plan_id: int
    title: str
    year: int
    deadline: date
    days: int


def _near(plan: StudyPlan, today: date, milestones: Iterable[int]) -> bool:
    """Cheap first cut: some deadline of the plan (its own or an extension) is a milestone."""
    deadlines = {plan.deadline, *db.session.scalars(select(DeadlineExtension.deadline).where(
        DeadlineExtension.plan_id == plan.id))}
    return any((deadline - today).days in milestones for deadline in deadlines)


def due_reminders(today: date, milestones: Iterable[int]) -> list[Reminder]:
    """Everyone `milestones` days (exactly) before their deadline who has not filed."""
    milestones = set(milestones)
    found = []
    plans = db.session.scalars(select(StudyPlan).where(
        StudyPlan.year.in_((today.year - 1, today.year, today.year + 1)))).all()
    for plan in plans:
        if not _near(plan, today, milestones):
            continue
        filed = set(db.session.scalars(select(Pledge.user_id).where(
            Pledge.plan_id == plan.id, Pledge.status.in_(FILED_OR_LATER))))
        people = db.session.scalars(select(User).join(Unit, User.unit_id == Unit.id).where(
            subtree_of(plan.unit.path), User.active))
        for person in people:
            if person.id in filed:
                continue
            # The plan that applies is the most specific one (a unit below may have its own).
            if pledges.applicable_plan(person, plan.year, create_default=False) is not plan:
                continue
            deadline = pledges.deadline_for(plan, person.unit)  # extensions count
            days = (deadline - today).days
            if days in milestones:
                found.append(Reminder(person.id, plan.id, plan.title, plan.year, deadline, days))
    return found


def reviewers_waiting() -> list[tuple[int, int]]:
    """(person id, pledges waiting for them) for each active committee member with some."""
    members = db.session.scalars(select(User).where(
        User.id.in_(select(CommitteeSeat.user_id)), User.active))
    found = []
    for member in members:
        waiting = len(pledges.waiting_for(member))
        if waiting:
            found.append((member.id, waiting))
    return found


@dataclass(frozen=True)
class OfficerDigest:
    """What waits in one officer's subtree. `figures`: unit name and code, year, totals and
    `rows` (one per child unit with something waiting: code, name, not_filed, waiting,
    missing), plain values to store with a notification."""

    person_id: int
    unit_id: int
    unit_code: str
    figures: dict[str, Any]


def _near_courses(unit: Unit, today: date, soon_days: int) -> list[str]:
    """Course slugs of plans due within `soon_days` that reach into `unit`'s subtree: plans
    on the unit, an ancestor, or a unit below it."""
    ancestors = [int(part) for part in unit.path.strip("/").split("/")]
    plans = db.session.scalars(select(StudyPlan).join(Unit, StudyPlan.unit_id == Unit.id).where(
        StudyPlan.deadline >= today, StudyPlan.deadline <= today + timedelta(days=soon_days),
        StudyPlan.unit_id.in_(ancestors) | subtree_of(unit.path)))
    slugs: list[str] = []
    for plan in plans:
        for slug in json.loads(plan.courses or "[]"):
            if slug not in slugs:
                slugs.append(slug)
    return slugs


def subtree_figures(unit: Unit, today: date, soon_days: int) -> dict[str, Any]:
    """Per child unit (and people placed on `unit` itself): pledges not filed, waiting for
    review, completions missing of courses due soon; rows with nothing waiting left out."""
    board = reports.dashboard(unit, course=None, year=today.year)
    missing: dict[int | None, int] = {}
    for slug in _near_courses(unit, today, soon_days):
        for row in reports.dashboard(unit, course=slug, year=today.year).rows:
            key = row.unit.id if row.unit else None
            missing[key] = missing.get(key, 0) + row.people - row.completed
    rows = []
    for row in board.rows:
        key = row.unit.id if row.unit else None
        counts = {"not_filed": max(row.planned - row.filed, 0),
                  "waiting": row.filed - row.acknowledged,
                  "missing": missing.get(key, 0)}
        if any(counts.values()):
            rows.append({"code": row.unit.code if row.unit else unit.code,
                         "name": row.unit.name if row.unit else unit.name, **counts})
    totals = {name: sum(row[name] for row in rows)
              for name in ("not_filed", "waiting", "missing")}
    return {"unit": unit.name, "code": unit.code, "year": today.year, "rows": rows, **totals}


def officer_digests(today: date, soon_days: int) -> list[OfficerDigest]:
    """One per (active officer, unit they hold the role on) with something waiting."""
    grants = db.session.execute(select(RoleGrant.user_id, Unit).join(
        Unit, RoleGrant.unit_id == Unit.id).join(User, RoleGrant.user_id == User.id).where(
        RoleGrant.role == Role.OFFICER, User.active).order_by(Unit.path)).all()
    found = []
    for user_id, unit in grants:
        figures = subtree_figures(unit, today, soon_days)
        if figures["rows"]:
            found.append(OfficerDigest(user_id, unit.id, unit.code, figures))
    return found
