"""A person's own pledge: draft (autosaved), file, see the reviewer's answer, assess at year end."""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms import ConfirmForm, pledge_form_class
from ..models import Pledge, PledgeStatus, StudyPlan
from ..security import AUTHENTICATED, permission
from ..services import pledges

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


@bp.get("/")
@permission(AUTHENTICATED)
def index():
    mine = db.session.scalars(select(Pledge).where(Pledge.user_id == current_user.id)
                              .order_by(Pledge.year.desc())).all()
    this_year = date.today().year
    plan = pledges.applicable_plan(current_user, this_year)
    db.session.commit()  # a default plan created from course.yaml is kept
    return render_template("pledges/index.html", mine=mine, plan=plan, this_year=this_year)


def _plan_or_404(year: int) -> StudyPlan:
    plan = pledges.applicable_plan(current_user, year)
    if plan is None:
        abort(404)
    return plan


def _editor(plan: StudyPlan, pledge: Pledge, form, status: int = 200, failures=None):
    template = pledges.plan_template(plan)
    return render_template(
        "pledges/edit.html", plan=plan, pledge=pledge, form=form, template=template,
        checks=pledges.run_checks(pledge) if pledge.status in (
            PledgeStatus.DRAFT, PledgeStatus.RETURNED) else [],
        failures=failures or [], deadline=pledges.deadline_for(plan, current_user.unit),
        review_unit=pledges.review_unit_for(current_user),
        versions=[(v, json.loads(v.content)) for v in pledge.versions]), status


def _form_for(plan: StudyPlan, pledge: Pledge):
    template = pledges.plan_template(plan)
    form_class = pledge_form_class(template)
    if request.method == "POST":
        return form_class()
    return form_class(data=pledges.content_of(pledge))


def _attach(form, problems) -> None:
    for key, problem in problems.items():
        section, index, field = key.split("-")
        getattr(form, section)[int(index)][field].errors.append(str(problem))


@bp.route("/<year:year>", methods=["GET", "POST"])
@permission(AUTHENTICATED)
def edit(year: int):
    plan = _plan_or_404(year)
    pledge = pledges.pledge_for(current_user, plan)
    db.session.commit()
    form = _form_for(plan, pledge)
    if request.method == "GET":
        return _editor(plan, pledge, form)
    if not form.validate_on_submit():
        return _editor(plan, pledge, form, 400)
    try:
        problems = pledges.save_draft(pledge, form.data)
    except pledges.PledgeError as exc:
        flash(str(exc), "error")
        return _editor(plan, pledge, form, 409)
    db.session.commit()
    if form.file.data:
        try:
            pledges.file(pledge)
        except pledges.PledgeRefused as refused:
            db.session.rollback()
            return _editor(plan, pledge, form, 409, failures=refused.failures)
        except pledges.PledgeError as exc:
            db.session.rollback()
            _attach(form, problems)
            flash(str(exc), "error")
            return _editor(plan, pledge, form, 400)
        db.session.commit()
        flash(_("Your pledge was filed with %(unit)s.",
                unit=pledge.review_unit.name if pledge.review_unit else "—"), "info")
        return redirect(url_for("pledges.edit", year=year))
    if problems:
        _attach(form, problems)
        return _editor(plan, pledge, form, 400 if any(p.too_long for p in problems.values())
                       else 200)
    flash(_("Your draft was saved."), "info")
    return redirect(url_for("pledges.edit", year=year))


@bp.post("/<year:year>/autosave")
@permission(AUTHENTICATED)
def autosave(year: int):
    plan = _plan_or_404(year)
    pledge = pledges.pledge_for(current_user, plan)
    form = _form_for(plan, pledge)
    if not form.validate_on_submit():
        return jsonify(saved=False, error=_("Not saved: check the highlighted fields.")), 400
    try:
        problems = pledges.save_draft(pledge, form.data)
    except pledges.PledgeError as exc:
        return jsonify(saved=False, error=str(exc)), 409
    db.session.commit()
    too_long = {k: str(p) for k, p in problems.items() if p.too_long}
    if too_long:
        return jsonify(saved=False, error=_("Not saved: some text is too long."),
                       fields=too_long), 400
    return jsonify(saved=True, at=pledge.draft_saved_at.isoformat() + "Z")


@bp.route("/<year:year>/assessment", methods=["GET", "POST"])
@permission(AUTHENTICATED)
def assessment(year: int):
    plan = _plan_or_404(year)
    pledge = pledges.pledge_for(current_user, plan, create=False)
    if pledge is None or not pledge.versions:
        abort(404)
    content = json.loads(pledge.versions[-1].content)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        answers = {key: {"result": request.form.get(f"{key}-result", ""),
                         "evidence": request.form.get(f"{key}-evidence", "")}
                   for key in (f"{s}-{i}" for s, items in content.items()
                               for i in range(len(items)))}
        try:
            pledges.self_assess(pledge, answers)
        except pledges.PledgeError as exc:
            flash(str(exc), "error")
            return render_template("pledges/assess.html", plan=plan, pledge=pledge,
                                   content=content, form=ConfirmForm(),
                                   template=pledges.plan_template(plan),
                                   previous=answers), 400
        db.session.commit()
        flash(_("Your year-end assessment was sent to your reviewer."), "info")
        return redirect(url_for("pledges.edit", year=year))
    return render_template("pledges/assess.html", plan=plan, pledge=pledge, content=content,
                           form=ConfirmForm(), template=pledges.plan_template(plan),
                           previous=json.loads(pledge.self_assessment or "{}"))
