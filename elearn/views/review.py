"""Reviewers (cell secretaries, standing committees) and inspectors: the pledges of their units,
answers, year-end ratings, publication, and bundles for circulation (PDF, XLSX)."""
from __future__ import annotations

import json
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms import ConfirmForm, RatingForm, ReturnForm
from ..models import Pledge, Role, Unit
from ..security import has_role, permission, scope_paths
from ..services import pledges
from ..services.orgs import within_any
from ..services.pledge_exports import bundle_pdf, bundle_xlsx
from .scoping import get_or_404, unit_from_query, year_from_query

bp = Blueprint("review", __name__, url_prefix="/review")
READERS = (Role.REVIEWER, Role.INSPECTOR)


def pledge_scope(pledge_id: int, **_kwargs) -> Unit | None:
    """A pledge is reviewed where it was routed; an inspector reads it from the person's unit."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        return None
    if pledge.review_unit is not None and (
            has_role(current_user, Role.REVIEWER, pledge.review_unit)
            or has_role(current_user, Role.INSPECTOR, pledge.review_unit)):
        return pledge.review_unit
    return pledge.user.unit


def _units_in_view() -> list[Unit]:
    """Units whose pledges this person may see, for the unit picker."""
    paths = scope_paths(current_user, Role.REVIEWER) + scope_paths(current_user, Role.INSPECTOR)
    return list(db.session.scalars(select(Unit).where(within_any(paths)).order_by(Unit.path)
                                   .limit(500)))


def _chosen_unit() -> Unit:
    return unit_from_query(READERS)


def _year() -> int:
    return year_from_query()


@bp.get("/")
@permission(*READERS)
def index():
    unit, year = _chosen_unit(), _year()
    return render_template("review/index.html", unit=unit, year=year,
                           routed=pledges.routed_to(unit, year),
                           people=pledges.unit_overview(unit, year), units=_units_in_view(),
                           can_review=has_role(current_user, Role.REVIEWER, unit))


@bp.get("/pledges/<int:pledge_id>")
@permission(*READERS, scope=pledge_scope)
def show(pledge_id: int):
    pledge = get_or_404(Pledge, pledge_id)
    reviewer = pledge.review_unit is not None and has_role(current_user, Role.REVIEWER,
                                                           pledge.review_unit)
    return render_template(
        "review/pledge.html", pledge=pledge, reviewer=reviewer,
        template=pledges.plan_template(pledge.plan),
        versions=[(v, json.loads(v.content)) for v in pledge.versions],
        assessment=json.loads(pledge.self_assessment or "{}"),
        return_form=ReturnForm(), rating_form=RatingForm(), confirm=ConfirmForm())


def review_scope(pledge_id: int, **_kwargs) -> Unit | None:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        return None
    return pledge.review_unit or pledge.user.unit


def _act(pledge_id: int, action) -> Response:
    pledge = get_or_404(Pledge, pledge_id)
    try:
        action(pledge)
    except pledges.PledgeError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
    return redirect(url_for("review.show", pledge_id=pledge_id))


@bp.post("/pledges/<int:pledge_id>/acknowledge")
@permission(Role.REVIEWER, scope=review_scope)
def acknowledge(pledge_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _act(pledge_id, lambda p: pledges.acknowledge(p, current_user))


@bp.post("/pledges/<int:pledge_id>/return")
@permission(Role.REVIEWER, scope=review_scope)
def return_pledge(pledge_id: int):
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Say what to change (at least 5 characters)."), "error")
        return redirect(url_for("review.show", pledge_id=pledge_id))
    return _act(pledge_id, lambda p: pledges.return_pledge(p, current_user, form.comment.data))


@bp.post("/pledges/<int:pledge_id>/rate")
@permission(Role.REVIEWER, scope=review_scope)
def rate(pledge_id: int):
    form = RatingForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(pledge_id, lambda p: pledges.rate(p, current_user, form.rating.data,
                                                   form.comment.data or ""))


@bp.post("/pledges/<int:pledge_id>/publish")
@permission(Role.REVIEWER, scope=review_scope)
def publish(pledge_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    publish_it = request.form.get("publish") == "1"
    return _act(pledge_id, lambda p: pledges.set_published(p, current_user, publish_it))


@bp.get("/export.<kind>")
@permission(*READERS)
def export(kind: str):
    if kind not in ("pdf", "xlsx"):
        abort(404)
    unit, year = _chosen_unit(), _year()
    rows = pledges.routed_to(unit, year)
    if kind == "pdf":
        body, mimetype = bundle_pdf(unit, year, rows), "application/pdf"
    else:
        body = bundle_xlsx(unit, year, rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="pledges-{unit.code}-{year}.{kind}"'})
