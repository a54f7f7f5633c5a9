"""Helpers that keep admin views inside the subtrees where the admin holds the role."""
from __future__ import annotations

from typing import Callable, Sequence

from flask import abort, render_template, request
from flask_login import current_user

from ..clock import local_today
from ..forms import ImportForm
from ..models import Invitation, Role, Unit, User
from ..security import has_role, held_roles, scope_paths
from ..services.imports import ImportReport
from ..services.lookups import find
from ..services.orgs import unit_by_code
from ..web_input import year_arg


def unit_from_query(roles: tuple[Role, ...]) -> Unit:
    """The unit named by ?unit=CODE (default: the highest unit where the person holds one of
    `roles`), refused unless one of `roles` holds there."""
    code = request.args.get("unit")
    if code:
        unit = unit_by_code(code)
    else:
        granted = sorted((on for held, on in held_roles(current_user) if held in roles),
                         key=lambda u: u.path.count("/"))
        unit = granted[0] if granted else None
    if unit is None:
        abort(404)
    if not any(has_role(current_user, role, unit) for role in roles):
        abort(403)
    return unit


def year_from_query() -> int:
    return year_arg("year", local_today().year)


def admin_paths() -> list[str]:
    return scope_paths(current_user, Role.ADMIN)


def manages(unit: Unit | None) -> bool:
    return unit is not None and has_role(current_user, Role.ADMIN, unit)


def managed_unit_or_error(code: str | None) -> Unit | None:
    """The unit with this code if the admin manages it, else None (caller reports it)."""
    unit = unit_by_code(code)
    return unit if manages(unit) else None


# Scope resolvers for @permission(..., scope=…): the unit each URL is about.
def unit_scope(unit_id: int, **_kwargs) -> Unit | None:
    return find(Unit, unit_id)


def person_scope(user_id: int, **_kwargs) -> Unit | None:
    person = find(User, user_id)
    return person.unit if person else None


def invitation_scope(invitation_id: int, **_kwargs) -> Unit | None:
    invitation = find(Invitation, invitation_id)
    return invitation.unit if invitation else None


def get_or_404(model, ident: int):
    found = find(model, ident)
    if found is None:
        abort(404)
    return found


def csv_import_page(run: Callable[[bytes, bool], ImportReport], title: str,
                    columns: Sequence[str]):
    """The shared CSV import page: upload, dry run or real run, every row's result."""
    form = ImportForm()
    report = run(form.file.data.read(), form.dry_run.data) if form.validate_on_submit() else None
    status = 400 if form.is_submitted() and (report is None or not report.ok) else 200
    return render_template("admin/import.html", form=form, report=report, title=title,
                           columns=columns), status
