"""The officers' weekly digest: for each officer and each unit they hold the role on, what is
waiting in that subtree, counted per child unit — pledges not filed, pledges waiting for
review, and course completions still missing for plans whose deadline is near.

The figures are the dashboard's (`reports.dashboard`), never counted again here, so the digest
and the page it links to agree. One notification per (officer, unit, ISO week).
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from ...extensions import db
from ...models import Role, RoleGrant, StudyPlan, Unit, User
from ...services import reports
from ...services.orgs import subtree_of
import elearn.builtins.notifications.store as store  # the module, not the package (no import circle)

KIND = "digest.officer"
# Plans due within this many days count as "near the deadline" for course completions.
SOON_DAYS = 30


def _near_courses(unit: Unit, today: date) -> list[str]:
    """The course slugs of plans due soon that reach into `unit`'s subtree: plans on the unit,
    an ancestor, or a unit below it."""
    ancestors = [int(part) for part in unit.path.strip("/").split("/")]
    plans = db.session.scalars(select(StudyPlan).join(Unit, StudyPlan.unit_id == Unit.id).where(
        StudyPlan.deadline >= today, StudyPlan.deadline <= today + timedelta(days=SOON_DAYS),
        StudyPlan.unit_id.in_(ancestors) | subtree_of(unit.path)))
    slugs: list[str] = []
    for plan in plans:
        for slug in json.loads(plan.courses or "[]"):
            if slug not in slugs:
                slugs.append(slug)
    return slugs


def figures(unit: Unit, today: date) -> dict[str, Any]:
    """Per child unit (and people placed on `unit` itself): not filed, waiting for review,
    completions missing; rows with nothing waiting are left out."""
    board = reports.dashboard(unit, course=None, year=today.year)
    missing: dict[int | None, int] = {}
    for slug in _near_courses(unit, today):
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
    totals = {name: sum(row[name] for row in rows) for name in ("not_filed", "waiting",
                                                                  "missing")}
    return {"unit": unit.name, "code": unit.code, "year": today.year, "rows": rows, **totals}


def officer_digest(today: date) -> int:
    """Once per ISO week per (officer, unit held); no commit. Returns how many were made."""
    year, week, _day = today.isocalendar()
    made = 0
    grants = db.session.execute(select(RoleGrant.user_id, Unit).join(
        Unit, RoleGrant.unit_id == Unit.id).join(User, RoleGrant.user_id == User.id).where(
        RoleGrant.role == Role.OFFICER, User.active).order_by(Unit.path)).all()
    for user_id, unit in grants:
        found = figures(unit, today)
        if not found["rows"]:
            continue
        made += len(store.notify(
            db.session, KIND, f"{KIND}:{year}-W{week:02d}:{unit.id}", [user_id], found,
            f"/dashboard/?{urlencode({'unit': unit.code, 'year': today.year})}"))
    return made
