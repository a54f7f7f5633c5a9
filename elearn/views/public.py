"""Public supervision: leaders' pledges their committees chose to publish (page, print-ready
PDF column, plain text for radio and bulletins), and approved exemplars."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from ..models import Unit
from ..security import PUBLIC, permission
from ..services import pledge_review
from ..services.orgs import unit_by_code
from ..services.pledge_exports import press_pdf, press_text
from ..services.pledges import plan_template, published_pledges

bp = Blueprint("public", __name__, url_prefix="/public")


def _unit(code: str) -> Unit:
    unit = unit_by_code(code)
    if unit is None:
        abort(404)
    return unit


@bp.get("/units/<code>/pledges")
@permission(PUBLIC)
def pledges(code: str):
    unit = _unit(code)
    items = [(p, plan_template(p.plan), pledge_review.as_filed(p.versions[-1]))
             for p in published_pledges(unit)]
    return render_template("public/pledges.html", unit=unit, items=items)


@bp.get("/units/<code>/pledges.<kind>")
@permission(PUBLIC)
def press(code: str, kind: str):
    """For the press: the same published pledges as a PDF column or as plain text."""
    unit = _unit(code)
    items = published_pledges(unit)
    if kind == "pdf":
        return Response(press_pdf(unit, items), mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="pledges-{unit.code}.pdf"'})
    if kind == "txt":
        return Response(press_text(unit, items), mimetype="text/plain; charset=utf-8")
    abort(404)


@bp.get("/units/<code>/exemplars")
@permission(PUBLIC)
def exemplars(code: str):
    unit = _unit(code)
    return render_template("public/exemplars.html", unit=unit,
                           exemplars=pledge_review.approved_exemplars(unit))


@bp.get("/units/<code>/exemplars.csv")
@permission(PUBLIC)
def exemplars_csv(code: str):
    unit = _unit(code)
    return Response(pledge_review.exemplars_csv(pledge_review.approved_exemplars(unit)),
                    mimetype="text/csv; charset=utf-8", headers={
                        "Content-Disposition": f'attachment; filename="exemplars-{unit.code}.csv"'})
