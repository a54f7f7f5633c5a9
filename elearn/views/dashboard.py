"""Dashboards for officers, verifiers and inspectors, scoped to their subtree; exports."""
from __future__ import annotations

from flask import (
    Blueprint, Response, abort, current_app, redirect, render_template, request,
    stream_with_context, url_for,
)
from flask_babel import get_locale
from flask_login import current_user

from ..forms import ConfirmForm
from ..models import Role, Unit
from ..plugin_guard import run_export
from ..registry import current_registry
from ..security import has_role, permission
from ..services import exports, job_handlers, reports
from ..services.orgs import ancestors
from .fragments import rendered_part
from .scoping import unit_from_query, year_from_query

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
VIEWERS = (Role.OFFICER, Role.VERIFIER, Role.INSPECTOR)


def _filters() -> dict:
    year = year_from_query()
    course = request.args.get("course") or None
    if course and current_registry().course(course) is None:
        abort(404)
    audience = request.args.get("audience", "all")
    if audience not in ("all", "cadre", "student"):
        abort(400)
    return {"year": year, "course": course, "audience": audience}


def _unit() -> Unit:
    return unit_from_query(VIEWERS)


def _visible_ancestors(unit: Unit) -> list[Unit]:
    return [a for a in ancestors(unit) if any(has_role(current_user, r, a) for r in VIEWERS)]


@bp.get("/")
@permission(*VIEWERS)
def index():
    unit, filters = _unit(), _filters()
    board = reports.cached_dashboard(unit, **filters)
    breakthrough = reports.breakthrough_figures(unit, filters["year"])
    # The figures, chart, table and links are the same for every viewer of this unit: they
    # are rendered once per computation of the board (its stamp) and language, not per
    # request (rendering ~20 rows of formatted numbers and links was most of the page's time).
    figures = rendered_part(f"{board.stamp}:{breakthrough}",
                            current_app.config.get("DASHBOARD_CACHE_SECONDS", 0),
                            "dashboard/_board.html", board=board, filters=filters,
                            breakthrough=breakthrough,
                            courses=current_registry().courses.values(),
                            exporters=current_registry().exporters.values())
    return render_template("dashboard/index.html", board=board, figures=figures,
                           filters=filters, trail=_visible_ancestors(unit), as_of=board.as_of)


@bp.get("/missing")
@permission(*VIEWERS)
def missing():
    unit, filters = _unit(), _filters()
    what = request.args.get("what", "completion")
    if what not in ("completion", "pledge"):
        abort(400)
    page = reports.missing_page(unit, what=what, per_page=100, **filters)
    return render_template("dashboard/missing.html", unit=unit, page=page, what=what,
                           filters=filters, exporters=current_registry().exporters.values())


@bp.route("/export/<dataset>.<extension>", methods=["GET", "POST"])
@permission(*VIEWERS)
def export(dataset: str, extension: str):
    """CSV streams in the request. Other formats (XLSX must be finished before its first byte)
    are prepared by a job: GET offers the button, POST queues it and shows its progress."""
    exporter = next((e for e in current_registry().exporters.values()
                     if e.extension == extension), None)
    if exporter is None or dataset not in exports.DATASETS:
        abort(404)
    unit, filters = _unit(), _filters()
    if extension != "csv":
        form = ConfirmForm()
        if form.validate_on_submit():
            job = job_handlers.submit_export(dataset=dataset, unit=unit, extension=extension,
                                             filters=filters, requested_by=current_user,
                                             locale=str(get_locale()))
            return redirect(url_for("jobs.show", job_id=job.id), 303)
        return render_template("dashboard/export.html", form=form, unit=unit, dataset=dataset,
                               extension=extension, filters=filters), (
            400 if form.is_submitted() else 200)
    header, rows, _total = exports.dataset(unit, dataset, **filters, count=False)
    filename = f"{dataset}-{unit.code}-{filters['year']}.{exporter.extension}"
    return Response(stream_with_context(run_export(exporter, header, rows)),
                    mimetype=exporter.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
