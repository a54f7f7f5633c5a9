"""Study plans (officers and admins): courses required before filing, audience, deadline,
superiors-first switch, the pledge template, and deadline extensions per unit."""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..clock import local_today
from ..dates import format_day
from ..content.pledge_template import DEFAULT_TEMPLATE, dump_template, parse_template
from ..forms import ExtensionForm, PlanForm, SelectChoice
from ..pledge_template_form import ACTION, STRUCTURED, apply_action, form_data, template_of
from ..labels import course_title
from ..models import Role, StudyPlan, Unit
from ..registry import current_registry
from ..security import has_role, permission, scope_paths
from ..services import plans, pledges
from ..services.lookups import find
from ..services.orgs import unit_by_code
from .scoping import get_or_404

bp = Blueprint("plans", __name__, url_prefix="/plans")
PLANNERS = (Role.OFFICER, Role.ADMIN)


def plans_scope(plan_id: int, **_kwargs) -> Unit | None:
    plan = find(StudyPlan, plan_id)
    return plan.unit if plan else None


def plans_unit(code: str | None) -> Unit | None:
    unit = unit_by_code(code)
    return unit if unit and any(has_role(current_user, r, unit) for r in PLANNERS) else None


def _form(plan: StudyPlan | None = None) -> PlanForm:
    if plan is None:
        default, _errors = parse_template(DEFAULT_TEMPLATE)
        form = PlanForm(year=local_today().year, template=DEFAULT_TEMPLATE,
                        deadline=date(local_today().year, 12, 31), pledge=form_data(default))
    else:
        # Not obj=plan: WTForms prefers an object's attribute to a keyword, and the plan's
        # `courses` and `min_versions` are stored as JSON text, not what the form shows.
        form = PlanForm(**{name: getattr(plan, name) for name in (
                            "year", "title", "audience", "deadline", "superiors_first",
                            "inside_first", "study_since", "template")},
                        unit_code=plan.unit.code, courses=json.loads(plan.courses),
                        min_versions=", ".join(f"{slug}={version}" for slug, version
                                               in json.loads(plan.min_versions or "{}").items()),
                        pledge=form_data(pledges.plan_template(plan)))
    form.courses.choices = [SelectChoice(c.slug, f"{course_title(c.slug)} ({c.year})")
                            for c in current_registry().courses.values()]
    if form.is_submitted() and STRUCTURED not in request.form:
        del form["pledge"]  # a POST of YAML (see PlanForm): the editor's rows are not there
    return form


def _row_action(form: PlanForm) -> bool:
    """Add, remove or move a section row of the template editor: the page comes back with
    the change and everything typed, nothing saved. True if the POST was such a button."""
    action = request.form.get(ACTION)
    if action is None or "pledge" not in form:
        return False
    apply_action(form.pledge.form, action)
    return True


def _template_text(form: PlanForm) -> str | None:
    """The template to store, as YAML; None when it has errors (they are on the form)."""
    if "pledge" in form:
        # The form's own checks ran in validate(); parsing what it wrote keeps the rules of
        # a template in one place (content/pledge_template.py).
        text = dump_template(template_of(form.pledge.form))
        _template, errors = parse_template(text)
        form.pledge.form.form_errors.extend(str(error.message) for error in errors)
        return None if errors else text
    if not (form.template.data or "").strip():
        form.template.errors.append(_("Write the pledge template."))
        return None
    _template, errors = parse_template(form.template.data)
    for error in errors:
        form.template.errors.append(f"{_('line')} {error.line or '?'}: {error.message}")
    return None if errors else form.template.data


def _fields(form: PlanForm) -> plans.PlanFields | None:
    """The plan the form describes, or None (the errors are on the form)."""
    template_text = _template_text(form)
    unit = plans_unit(form.unit_code.data)
    if unit is None:
        form.unit_code.errors.append(_("Give the code of a unit where you plan study."))
    versions = {}
    for part in filter(None, (p.strip() for p in (form.min_versions.data or "").split(","))):
        slug, _sep, version = part.partition("=")
        if not version.strip() or current_registry().course(slug.strip()) is None:
            form.min_versions.errors.append(_("Write each as course-slug=version, e.g. "
                                              "cd-2016-toan-khoa=2.0."))
            break
        versions[slug.strip()] = version.strip()
    if template_text is None or form.unit_code.errors or form.min_versions.errors:
        return None
    return plans.PlanFields(
        year=form.year.data, unit=unit, title=form.title.data, audience=form.audience.data,
        deadline=form.deadline.data, courses=list(form.courses.data or []),
        superiors_first=form.superiors_first.data, template=template_text,
        inside_first=form.inside_first.data, study_since=form.study_since.data,
        min_versions=versions)


def _listing(form: PlanForm, status: int = 200):
    paths = [p for role in PLANNERS for p in scope_paths(current_user, role)]
    return render_template("plans/index.html", plans=plans.plans_within(paths), form=form), status


@bp.get("/")
@permission(*PLANNERS)
def index():
    return _listing(_form())


@bp.post("/")
@permission(*PLANNERS)
def create():
    form = _form()
    if _row_action(form):
        return _listing(form)
    fields = _fields(form) if form.validate_on_submit() else None
    if fields is None:
        return _listing(form, 400)
    plan = plans.save_plan(None, fields, by=current_user, key=form.submitted_key())
    flash(_("The study plan was saved."), "info")
    return redirect(url_for("plans.edit", plan_id=plan.id))


@bp.route("/<int:plan_id>", methods=["GET", "POST"])
@permission(*PLANNERS, scope=plans_scope)
def edit(plan_id: int):
    plan = get_or_404(StudyPlan, plan_id)
    form = _form(plan)
    status = 200
    if form.is_submitted() and not _row_action(form):
        fields = _fields(form) if form.validate() else None
        if fields is not None:
            plans.save_plan(plan, fields, by=current_user)
            flash(_("The study plan was saved."), "info")
            return redirect(url_for("plans.edit", plan_id=plan.id))
        status = 400
    extensions = plans.extensions_of(plan)
    return render_template("plans/edit.html", plan=plan, form=form, extensions=extensions,
                           extension_form=ExtensionForm()), status


@bp.post("/<int:plan_id>/extensions")
@permission(*PLANNERS, scope=plans_scope)
def extend(plan_id: int):
    plan = get_or_404(StudyPlan, plan_id)
    form = ExtensionForm()
    unit = plans_unit(form.unit_code.data) if form.validate_on_submit() else None
    if unit is None or not unit.path.startswith(plan.unit.path):
        flash(_("Give the code of a unit covered by this plan, and a date."), "error")
        return redirect(url_for("plans.edit", plan_id=plan_id))
    plans.extend_deadline(plan, unit, form.deadline.data, by=current_user)
    flash(_("The deadline for %(unit)s is now %(date)s.", unit=unit.name,
            date=format_day(form.deadline.data)), "info")
    return redirect(url_for("plans.edit", plan_id=plan_id))
