"""Dashboards for officers, verifiers and inspectors, scoped to their subtree; exports."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from ..extensions import db
from ..models import Role, Unit, User
from ..registry import current_registry
from ..security import has_role, permission
from ..services import exports, reports
from ..services.orgs import ancestors, unit_by_code

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
VIEWERS = (Role.OFFICER, Role.VERIFIER, Role.INSPECTOR)


def _filters() -> dict:
    try:
        year = int(request.args.get("year") or date.today().year)
    except ValueError:
        abort(400)
    course = request.args.get("course") or None
    if course and current_registry().course(course) is None:
        abort(404)
    audience = request.args.get("audience", "all")
    if audience not in ("all", "cadre", "student"):
        abort(400)
    return {"year": year, "course": course, "audience": audience}


def _unit() -> Unit:
    code = request.args.get("unit")
    if code:
        unit = unit_by_code(code)
    else:
        roots = sorted((g.unit for g in current_user.grants if g.role in VIEWERS),
                       key=lambda u: u.path.count("/"))
        unit = roots[0] if roots else None
    if unit is None:
        abort(404)
    if not any(has_role(current_user, role, unit) for role in VIEWERS):
        abort(403)
    return unit


def _visible_ancestors(unit: Unit) -> list[Unit]:
    return [a for a in ancestors(unit) if any(has_role(current_user, r, a) for r in VIEWERS)]


@bp.get("/")
@permission(*VIEWERS)
def index():
    unit, filters = _unit(), _filters()
    board = reports.dashboard(unit, **filters)
    return render_template("dashboard/index.html", board=board, filters=filters,
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
            reports.dashboard(unit, **filters))
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
