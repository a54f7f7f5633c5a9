"""Committees record their inspection and supervision of units; officers and inspectors read
the records and the year's summary."""
from __future__ import annotations


from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, extract, func, select

from ..clock import local_today
from ..extensions import db
from ..forms import FollowUpForm, InspectionForm
from ..models import Inspection, Role, Unit
from ..security import held_roles, permission, scope_paths
from ..services import audit
from ..services.orgs import unit_by_code, within_any
from ..web_input import year_arg
from .scoping import get_or_404

bp = Blueprint("inspections", __name__, url_prefix="/inspections")
READERS = (Role.REVIEWER, Role.INSPECTOR, Role.OFFICER)


def inspection_scope(inspection_id: int, **_kwargs) -> Unit | None:
    inspection = db.session.get(Inspection, inspection_id)
    return inspection.committee_unit if inspection else None


def _paths() -> list[str]:
    return [p for role in READERS for p in scope_paths(current_user, role)]


def _page(form: InspectionForm, status: int = 200):
    year = year_arg("year", local_today().year)
    inspected = Unit.__table__.alias("inspected")
    in_scope = within_any(_paths(), inspected.c.path)
    rows = db.session.scalars(
        select(Inspection).join(inspected, Inspection.inspected_unit_id == inspected.c.id)
        .where(in_scope, extract("year", Inspection.held_on) == year)
        .order_by(Inspection.held_on.desc()).limit(500)).all()
    # One aggregate query: per level of the inspected units, how many units, how many
    # needed corrections, how many have done them.
    summary = db.session.execute(
        select(inspected.c.level, func.count(func.distinct(Inspection.inspected_unit_id)),
               func.count(Inspection.id),
               func.sum(case((Inspection.corrections != "", 1), else_=0)),
               func.sum(case((Inspection.follow_up_done, 1), else_=0)))
        .join(inspected, Inspection.inspected_unit_id == inspected.c.id)
        .where(in_scope, extract("year", Inspection.held_on) == year)
        .group_by(inspected.c.level).order_by(inspected.c.level)).all()
    return render_template("inspections/index.html", rows=rows, summary=summary, year=year,
                           form=form, follow_up=FollowUpForm(),
                           can_record=bool(scope_paths(current_user, Role.REVIEWER))), status


@bp.get("/")
@permission(*READERS)
def index():
    return _page(InspectionForm())


@bp.post("/")
@permission(Role.REVIEWER)
def record():
    form = InspectionForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    inspected = unit_by_code(form.unit_code.data)
    committee = next((on for held, on in held_roles(current_user) if held == Role.REVIEWER
                      and inspected is not None and inspected.path.startswith(on.path)), None)
    if committee is None:
        form.unit_code.errors.append(_("Give the code of a unit under your committee."))
        return _page(form, 400)
    inspection = Inspection(committee_unit=committee, inspected_unit=inspected,
                            kind=form.kind.data, held_on=form.held_on.data,
                            scope=form.scope.data.strip(), findings=form.findings.data or "",
                            corrections=(form.corrections.data or "").strip(),
                            recorded_by_id=current_user.id)
    db.session.add(inspection)
    db.session.flush()
    audit.record("inspection.recorded", actor_id=current_user.id,
                 subject=f"inspection:{inspection.id}", data={"unit": inspected.code})
    db.session.commit()
    flash(_("The inspection of %(unit)s was recorded.", unit=inspected.name), "info")
    return redirect(url_for("inspections.index"))


@bp.post("/<int:inspection_id>/follow-up")
@permission(Role.REVIEWER, scope=inspection_scope)
def follow_up(inspection_id: int):
    inspection = get_or_404(Inspection, inspection_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        inspection.follow_up_done, inspection.follow_up_note = True, form.note.data.strip()
        audit.record("inspection.followed_up", actor_id=current_user.id,
                     subject=f"inspection:{inspection.id}")
        db.session.commit()
    else:
        flash(_("Say what was done."), "error")
    return redirect(url_for("inspections.index"))
