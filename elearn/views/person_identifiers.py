"""The admin page for a person's identifiers (party card number, citizen ID)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import IdentifiersForm
from ..models import Role, User
from ..security import permission
from ..services import identifiers
from ..services.identifiers import IdentifierKind
from .scoping import get_or_404, person_scope

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
