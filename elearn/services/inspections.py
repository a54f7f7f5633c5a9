"""Inspection and supervision of units by committees: recording one, its follow-up, and the
year's records and summary for the readers' subtrees. Writes commit and are audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, extract, func, select, update

from ..extensions import db
from ..models import Inspection, Role, Unit, User
from ..security import held_roles
from . import audit, submissions
from .orgs import unit_by_code, within_any
from .unit_of_work import until_it_stands


class InspectionError(ValueError):
    """A rule was broken; the message is translated text."""


@dataclass(frozen=True)
class Finding:
    """What the committee's form says, already validated."""

    unit_code: str
    kind: str
    held_on: date
    scope: str
    findings: str
    corrections: str


def year_records(paths: list[str], year: int, limit: int = 500) -> list[Inspection]:
    """The year's inspections of units in these subtrees, newest first."""
    inspected = Unit.__table__.alias("inspected")
    return list(db.session.scalars(
        select(Inspection).join(inspected, Inspection.inspected_unit_id == inspected.c.id)
        .where(within_any(paths, inspected.c.path), extract("year", Inspection.held_on) == year)
        .order_by(Inspection.held_on.desc()).limit(limit)))


def year_summary(paths: list[str], year: int) -> list[Any]:
    """One aggregate query: per level of the inspected units, how many units, how many
    inspections, how many needed corrections, how many have done them."""
    inspected = Unit.__table__.alias("inspected")
    return list(db.session.execute(
        select(inspected.c.level, func.count(func.distinct(Inspection.inspected_unit_id)),
               func.count(Inspection.id),
               func.sum(case((Inspection.corrections != "", 1), else_=0)),
               func.sum(case((Inspection.follow_up_done, 1), else_=0)))
        .join(inspected, Inspection.inspected_unit_id == inspected.c.id)
        .where(within_any(paths, inspected.c.path), extract("year", Inspection.held_on) == year)
        .group_by(inspected.c.level).order_by(inspected.c.level)).all())


def committee_over(person: User, unit: Unit | None) -> Unit | None:
    """The unit whose committee this person reviews for and that holds `unit`, if any."""
    return next((on for held, on in held_roles(person) if held == Role.REVIEWER
                 and unit is not None and unit.path.startswith(on.path)), None)


def record(finding: Finding, *, by: User, key: str | None = None) -> Inspection:
    """Record an inspection by the person's committee and commit; InspectionError if the unit
    is not under a committee where they review. The form's one-time `key` makes a repeated
    submission return the inspection already recorded."""
    inspected = unit_by_code(finding.unit_code)
    committee = committee_over(by, inspected)
    if committee is None:
        raise InspectionError(_("Give the code of a unit under your committee."))
    committee_id, inspected_id, by_id = committee.id, inspected.id, by.id
    inspected_code = inspected.code

    def create() -> Inspection:
        inspection = Inspection(committee_unit_id=committee_id, inspected_unit_id=inspected_id,
                                kind=finding.kind, held_on=finding.held_on,
                                scope=finding.scope.strip(), findings=finding.findings or "",
                                corrections=(finding.corrections or "").strip(),
                                recorded_by_id=by_id)
        db.session.add(inspection)
        db.session.flush()
        audit.record("inspection.recorded", actor_id=by_id,
                     subject=f"inspection:{inspection.id}", data={"unit": inspected_code})
        return inspection

    return submissions.once(key, f"inspection.record:unit:{inspected_id}", by, create,
                            lambda id_: db.session.get(Inspection, id_), what="the inspection")


def follow_up(inspection: Inspection, note: str, *, by: User) -> bool:
    """Mark the corrections done; True when this call did. A conditional UPDATE: duplicates
    of the request make one change and one audit entry."""
    inspection_id = inspection.id
    def write():
        done = db.session.execute(
            update(Inspection).where(Inspection.id == inspection_id,
                                     Inspection.follow_up_done.is_(False))
            .values(follow_up_done=True, follow_up_note=note.strip())
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            db.session.rollback()
            return False
        audit.record("inspection.followed_up", actor_id=by.id,
                     subject=f"inspection:{inspection_id}")
        db.session.commit()
        return True

    return until_it_stands(write, what="the follow-up")
