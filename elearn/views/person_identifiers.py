"""The admin page for a person's identifiers (party card number, citizen ID)."""
from __future__ import annotations

from flask import (
    Blueprint, Response, abort, flash, redirect, render_template, stream_with_context, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import IdentifiersForm
from ..models import Role, User
from ..plugin_guard import run_export
from ..registry import current_registry
from ..security import permission
from ..services import identifiers
from ..services.identifiers import IdentifierKind
from .scoping import admin_paths, get_or_404, person_scope

bp = Blueprint("person_identifiers", __name__, url_prefix="/admin")


def _page(person: User, form: IdentifiersForm, status: int = 200):
    return render_template("admin/person_identifiers.html", person=person, form=form), status


@bp.route("/people/<int:user_id>/identifiers", methods=["GET", "POST"])
@permission(Role.ADMIN, scope=person_scope)
def edit(user_id: int):
    person = get_or_404(User, user_id)
    stored = identifiers.identifiers_of(person)
    form = IdentifiersForm(data={kind.value: stored.get(kind, "") for kind in IdentifierKind})
    if not form.validate_on_submit():
        return _page(person, form, 400 if form.is_submitted() else 200)
    values: dict[IdentifierKind, str | None] = {}
    for kind in IdentifierKind:
        field = form[kind.value]
        try:
            values[kind] = identifiers.normalise(kind, field.data)
        except identifiers.InvalidIdentifier as problem:
            field.errors.append(str(problem))
    if form.errors or any(form[kind.value].errors for kind in IdentifierKind):
        return _page(person, form, 400)
    try:
        identifiers.set_identifiers(person, values, by=current_user)
    except identifiers.IdentifierTaken as taken:
        form[IdentifierKind(str(taken)).value].errors.append(
            _("This identifier already belongs to another person."))
        return _page(person, form, 409)
    flash(_("The identifiers of %(name)s were saved.", name=person.full_name), "info")
    return redirect(url_for("person_identifiers.edit", user_id=person.id))


@bp.get("/people/identifiers.csv")
@permission(Role.ADMIN)
def export():
    """The people of the admin's units with their identifiers (whole): for administrators
    only, who keep the membership records these numbers come from."""
    exporter = current_registry().exporters.get("csv")
    if exporter is None:  # the CSV plugin is blocked on this installation
        abort(404)
    rows = identifiers.export_rows(admin_paths())
    return Response(stream_with_context(run_export(exporter, identifiers.export_header(), rows)),
                    mimetype=exporter.mimetype,
                    headers={"Content-Disposition": 'attachment; filename="identifiers.csv"'})
