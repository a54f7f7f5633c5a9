"""A person's own pledge: draft (autosaved), file, see the reviewer's answer, assess at year end."""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..clock import iso_local, local_today
from ..content.manifestations import manifestations
from ..forms import ConfirmForm, pledge_form_class
from ..models import Pledge, PledgeStatus, StudyPlan
from ..security import AUTHENTICATED, permission
from ..services import plans, pledge_review, pledges
from ..services.lookups import fresh

bp = Blueprint("pledges", __name__, url_prefix="/pledges")


@bp.get("/")
@permission(AUTHENTICATED)
def index():
    this_year = local_today().year
    # A read: the year's default plan is created when the person opens their pledge.
    return render_template("pledges/index.html", mine=pledges.pledges_of(current_user),
                           plan=plans.has_plan(current_user, this_year), this_year=this_year)


def _open_or_404(year: int) -> tuple[StudyPlan, Pledge]:
    """The person's plan and pledge for the year, opened (created, audited) if need be."""
    opened = plans.open_pledge(current_user, year)
    if opened is None:
        abort(404)
    return opened


def _editor(plan: StudyPlan, pledge: Pledge, form, status: int = 200, failures=None):
    template = pledges.plan_template(plan)
    return render_template(
        "pledges/edit.html", plan=plan, pledge=pledge, form=form, template=template,
        checks=pledges.run_checks(pledge) if pledge.status in (
            PledgeStatus.DRAFT, PledgeStatus.RETURNED) else [],
        failures=failures or [], deadline=pledges.deadline_for(plan, current_user.unit),
        route=pledges.review_route(current_user), catalogue=manifestations(),
        breakthrough=pledge_review.breakthrough_for(current_user.unit, plan.year),
        checkins=pledge_review.checkins_of(pledge),
        versions=pledge_review.filed_versions(pledge)), status


def _form_for(plan: StudyPlan, pledge: Pledge):
    template = pledges.plan_template(plan)
    form_class = pledge_form_class(template, manifestations().ids)
    if request.method == "POST":
        return form_class()
    data = dict(pledges.content_of(pledge))
    commitment = pledges.commitment_of(pledge)
    data["accepted"] = commitment.get("accepted", False)
    for item in commitment.get("manifestations", []):
        data[f"m_{item['id']}"], data[f"g_{item['id']}"] = True, item.get("guard", "")
    return form_class(data=data)


def _commitment(form) -> dict:
    """The commitment part of the submitted form, as the service expects it."""
    return {"accepted": form.accepted.data,
            "manifestations": [{"id": m_id, "guard": form[f"g_{m_id}"].data or ""}
                               for m_id in manifestations().ids if form[f"m_{m_id}"].data]}


def _attach(form, problems) -> None:
    for key, problem in problems.items():
        if key.startswith("guard-"):
            form[f"g_{key[6:]}"].errors.append(str(problem))
        elif key == "manifestations":
            form.accepted.errors.append(str(problem))
        else:
            section, index, field = key.split("-")
            getattr(form, section)[int(index)][field].errors.append(str(problem))


@bp.route("/<year:year>", methods=["GET", "POST"])
@permission(AUTHENTICATED)
def edit(year: int):
    plan, pledge = _open_or_404(year)
    form = _form_for(plan, pledge)
    if request.method == "GET":
        return _editor(plan, pledge, form)
    if not form.validate_on_submit():
        return _editor(plan, pledge, form, 400)
    if form.file.data and pledge.status not in (PledgeStatus.DRAFT, PledgeStatus.RETURNED):
        # A repeated "file" (double tap, a retry after a lost answer) changes nothing.
        flash(_("Your pledge has already been filed."), "info")
        return redirect(url_for("pledges.edit", year=year), 303)
    try:
        problems = pledges.save_draft(pledge, form.data, _commitment(form))
    except pledges.PledgeError as exc:
        flash(str(exc), "error")
        return _editor(plan, pledge, form, 409)
    if form.file.data:
        try:
            pledges.file(pledge)
        except pledges.PledgeRefused as refused:
            return _editor(plan, pledge, form, 409, failures=refused.failures)
        except pledges.PledgeError as exc:
            pledge = fresh(Pledge, pledge.id)  # a duplicate request may have filed it
            if pledge.status not in (PledgeStatus.DRAFT, PledgeStatus.RETURNED):
                flash(_("Your pledge has already been filed."), "info")
                return redirect(url_for("pledges.edit", year=year), 303)
            _attach(form, problems)
            flash(str(exc), "error")
            return _editor(plan, pledge, form, 400)
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
    plan, pledge = _open_or_404(year)
    form = _form_for(plan, pledge)
    if not form.validate_on_submit():
        return jsonify(saved=False, error=_("Not saved: check the highlighted fields.")), 400
    try:
        problems = pledges.save_draft(pledge, form.data, _commitment(form))
    except pledges.PledgeError as exc:
        return jsonify(saved=False, error=str(exc)), 409
    too_long = {k: str(p) for k, p in problems.items() if p.too_long}
    if too_long:
        return jsonify(saved=False, error=_("Not saved: some text is too long."),
                       fields=too_long), 400
    return jsonify(saved=True, at=iso_local(pledge.draft_saved_at))


@bp.route("/<year:year>/assessment", methods=["GET", "POST"])
@permission(AUTHENTICATED)
def assessment(year: int):
    plan = pledges.applicable_plan(current_user, year, create_default=False)
    pledge = pledges.pledge_for(current_user, plan, create=False) if plan else None
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
            if fresh(Pledge, pledge.id).status in (
                    PledgeStatus.SELF_ASSESSED, PledgeStatus.ASSESSED):
                # A repeated send (double tap, retry) changes nothing.
                flash(_("Your year-end assessment has already been sent."), "info")
                return redirect(url_for("pledges.edit", year=year), 303)
            flash(str(exc), "error")
            return render_template("pledges/assess.html", plan=plan, pledge=pledge,
                                   content=content, form=ConfirmForm(),
                                   template=pledges.plan_template(plan),
                                   checkins=pledge_review.checkins_of(pledge),
                                   previous=answers), 400
        flash(_("Your year-end assessment was sent to your reviewer."), "info")
        return redirect(url_for("pledges.edit", year=year))
    return render_template("pledges/assess.html", plan=plan, pledge=pledge, content=content,
                           form=ConfirmForm(), template=pledges.plan_template(plan),
                           checkins=pledge_review.checkins_of(pledge),
                           previous=json.loads(pledge.self_assessment or "{}"))
