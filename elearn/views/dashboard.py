"""Dashboards for officers, verifiers and inspectors, scoped to their subtree; exports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from ..extensions import db
from ..models import Role, Unit, User
from ..registry import current_registry
from ..security import has_role, permission
from ..services import exports, pledge_review, reports
from ..services.orgs import ancestors
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
    has_breakthrough = pledge_review.breakthrough_for(unit, filters["year"]) is not None
    return render_template("dashboard/index.html", board=board, filters=filters,
                           breakthrough=pledge_review.breakthrough_share(unit, filters["year"])
                           if has_breakthrough else None,
                           courses=current_registry().courses.values(),
                           exporters=current_registry().exporters.values(),
                           trail=_visible_ancestors(unit))


@bp.get("/missing")
@permission(*VIEWERS)
def missing():
    unit, filters = _unit(), _filters()
    what = request.args.get("what", "completion")
    if what not in ("completion", "pledge"):
        abort(400)
    page = db.paginate(reports.missing(unit, what=what, **filters), per_page=100,
                       error_out=False)
    return render_template("dashboard/missing.html", unit=unit, page=page, what=what,
                           filters=filters, exporters=current_registry().exporters.values())


@bp.get("/export/<dataset>.<extension>")
@permission(*VIEWERS)
def export(dataset: str, extension: str):
    exporter = next((e for e in current_registry().exporters.values()
                     if e.extension == extension), None)
    if exporter is None:
        abort(404)
    unit, filters = _unit(), _filters()
    if dataset == "summary":
        header, rows = exports.summary_header(), exports.summary_rows(
            reports.cached_dashboard(unit, **filters))
    elif dataset == "completions":
        header, rows = exports.completions_header(), exports.completions_rows(
            unit, filters["course"])
    elif dataset == "pledges":
        header, rows = exports.pledge_header(), exports.pledge_rows(unit, filters["year"])
    elif dataset in ("missing-completion", "missing-pledge"):
        statement = reports.missing(unit, what=dataset.split("-")[1], **filters,
                                    columns=(User.full_name, User.username, Unit.name,
                                             User.position))
        header = exports.pledge_header()[:4]
        rows = exports.lazy_rows(statement)
    else:
        abort(404)
    filename = f"{dataset}-{unit.code}-{filters['year']}.{exporter.extension}"
    return Response(stream_with_context(exporter.stream(header, rows)),
                    mimetype=exporter.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
