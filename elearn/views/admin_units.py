"""Admin pages for the unit tree: list, create, rename, move, CSV import."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..forms import UnitEditForm, UnitForm
from ..labels import level_choices
from ..models import Role, Unit
from ..security import permission
from ..services import imports, orgs
from .scoping import (
    admin_paths, csv_import_page, get_or_404, managed_unit_or_error, manages, unit_scope,
)

bp = Blueprint("admin_units", __name__, url_prefix="/admin/units")
PAGE_SIZE = 100


def _listing(form: UnitForm, status: int = 200):
    query = request.args.get("q", "").strip()
    page = orgs.units_page(admin_paths(), query, request.args.get("page", 1, type=int),
                           PAGE_SIZE)
    return render_template("admin/units.html", page=page, form=form, query=query), status


@bp.get("/")
@permission(Role.ADMIN)
def list_units():
    return _listing(UnitForm())


@bp.post("/")
@permission(Role.ADMIN)
def create_unit():
    form = UnitForm()
    if not form.validate_on_submit():
        return _listing(form, 400)
    problems = orgs.validate_unit_fields(form.code.data, form.name.data, form.level.data)
    parent = managed_unit_or_error(form.parent_code.data)
    if parent is None:
        problems.append(_("Give the code of a parent unit that you manage."))
    if orgs.unit_by_code(form.code.data):
        problems.append(_("Code %(code)s is already used.", code=form.code.data))
    if problems:
        form.code.errors.extend(problems)
        return _listing(form, 400)
    try:
        orgs.add_unit(form.code.data, form.name.data, form.level.data, parent)
    except orgs.UnitError as exc:
        form.code.errors.append(str(exc))
        return _listing(form, 400)
    flash(_("Unit %(code)s was created.", code=form.code.data), "info")
    return redirect(url_for("admin_units.list_units", q=form.code.data))


@bp.route("/<int:unit_id>", methods=["GET", "POST"])
@permission(Role.ADMIN, scope=unit_scope)
def edit_unit(unit_id: int):
    unit = get_or_404(Unit, unit_id)
    form = UnitEditForm(obj=unit, parent_code=unit.parent.code if unit.parent else "")
    form.level.choices = level_choices(unit.level)
    if form.validate_on_submit():
        problems = orgs.validate_unit_fields(unit.code, form.name.data, form.level.data)
        parent = orgs.unit_by_code(form.parent_code.data) if form.parent_code.data else None
        if parent is None and (form.parent_code.data or unit.parent is not None):
            problems.append(_("Give the code of a parent unit that you manage."))
        elif parent is not None and parent.id != unit.parent_id and not manages(parent):
            problems.append(_("Give the code of a parent unit that you manage."))
        if not problems:
            try:
                orgs.save_unit(unit, name=form.name.data, level=form.level.data, parent=parent)
            except orgs.UnitError as exc:
                problems.append(str(exc))
        if problems:
            form.parent_code.errors.extend(problems)
            return render_template("admin/unit_edit.html", unit=unit, form=form,
                                   path=orgs.ancestors(unit)), 400
        flash(_("Unit %(code)s was saved.", code=unit.code), "info")
        return redirect(url_for("admin_units.edit_unit", unit_id=unit.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/unit_edit.html", unit=unit, form=form,
                           path=orgs.ancestors(unit)), status


@bp.route("/import", methods=["GET", "POST"])
@permission(Role.ADMIN)
def import_units():
    return csv_import_page(
        lambda data, dry_run: imports.import_units(data, dry_run=dry_run, allowed=manages),
        _("Import units"), imports.UNIT_COLUMNS)
