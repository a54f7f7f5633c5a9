"""Committees record their inspection and supervision of units; officers and inspectors read
the records and the year's summary."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..clock import local_today
from ..forms import FollowUpForm, InspectionForm
from ..models import Inspection, Role, Unit
from ..security import permission, scope_paths
from ..services import inspections
from ..services.lookups import find
from ..web_input import year_arg
from .scoping import get_or_404

bp = Blueprint("inspections", __name__, url_prefix="/inspections")
READERS = (Role.REVIEWER, Role.INSPECTOR, Role.OFFICER)


def inspection_scope(inspection_id: int, **_kwargs) -> Unit | None:
    inspection = find(Inspection, inspection_id)
    return inspection.committee_unit if inspection else None


def _paths() -> list[str]:
    return [p for role in READERS for p in scope_paths(current_user, role)]


def _page(form: InspectionForm, status: int = 200):
    year = year_arg("year", local_today().year)
    return render_template("inspections/index.html",
                           rows=inspections.year_records(_paths(), year),
                           summary=inspections.year_summary(_paths(), year), year=year,
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
    finding = inspections.Finding(
        unit_code=form.unit_code.data, kind=form.kind.data, held_on=form.held_on.data,
        scope=form.scope.data, findings=form.findings.data or "",
        corrections=form.corrections.data or "")
    try:
        inspection = inspections.record(finding, by=current_user, key=form.submitted_key())
    except inspections.InspectionError as exc:
        form.unit_code.errors.append(str(exc))
        return _page(form, 400)
    flash(_("The inspection of %(unit)s was recorded.", unit=inspection.inspected_unit.name),
          "info")
    return redirect(url_for("inspections.index"))


@bp.post("/<int:inspection_id>/follow-up")
@permission(Role.REVIEWER, scope=inspection_scope)
def follow_up(inspection_id: int):
    inspection = get_or_404(Inspection, inspection_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        inspections.follow_up(inspection, form.note.data, by=current_user)
    else:
        flash(_("Say what was done."), "error")
    return redirect(url_for("inspections.index"))
