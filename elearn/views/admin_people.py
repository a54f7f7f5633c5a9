"""Admin pages for people, their roles, imports and invitation codes."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from ..labels import role_label
from ..forms import (
    ConfirmForm, CreateButtonForm, GrantForm, ImportForm, InvitationForm, PersonForm,
)
from ..models import Invitation, Role, RoleGrant, User
from ..security import permission
from ..services import accounts, imports, job_handlers, people_admin
from .scoping import (
    admin_paths, get_or_404, invitation_scope, managed_unit_or_error,
    manages, person_scope,
)

bp = Blueprint("admin_people", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/people/")
@permission(Role.ADMIN)
def list_people():
    query = request.args.get("q", "").strip()
    page = people_admin.people_page(admin_paths(), query, per_page=PAGE_SIZE)
    return render_template("admin/people.html", page=page, query=query)


def _person_page(person: User, form: PersonForm, grant_form: GrantForm, status: int = 200,
                 temporary_password: str | None = None):
    return render_template(
        "admin/person.html", person=person, form=form, grant_form=grant_form,
        confirm=ConfirmForm(), history=accounts.memberships(person),
        # formdata=None: a fresh one-time key even on the page a reset answers with
        reset_form=CreateButtonForm(formdata=None),
        temporary_password=temporary_password), status


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@permission(Role.ADMIN, scope=person_scope)
def edit_person(user_id: int):
    person = get_or_404(User, user_id)
    form = PersonForm(obj=person, unit_code=person.unit.code)
    if not form.validate_on_submit():
        return _person_page(person, form, GrantForm(), 400 if form.is_submitted() else 200)
    unit = managed_unit_or_error(form.unit_code.data)
    if unit is None:
        form.unit_code.errors.append(_("Give the code of a unit that you manage."))
        return _person_page(person, form, GrantForm(), 400)
    edit = people_admin.PersonEdit(
        full_name=form.full_name.data, audience=form.audience.data,
        is_party_member=form.is_party_member.data, is_leader=form.is_leader.data,
        email=form.email.data, phone=form.phone.data, active=form.active.data, unit=unit,
        position=form.position.data)
    try:
        people_admin.update_person(person, edit, by=current_user)
    except people_admin.ContactTaken:
        form.email.errors.append(_("This e-mail or phone already belongs to another account."))
        return _person_page(get_or_404(User, user_id), form, GrantForm(), 409)
    flash(_("%(name)s was saved.", name=person.full_name), "info")
    return redirect(url_for("admin_people.edit_person", user_id=person.id))


@bp.post("/people/<int:user_id>/roles")
@permission(Role.ADMIN, scope=person_scope)
def grant_role(user_id: int):
    person = get_or_404(User, user_id)
    form = GrantForm()
    if form.validate_on_submit():
        unit = managed_unit_or_error(form.unit_code.data)
        if unit is None:
            form.unit_code.errors.append(_("Give the code of a unit that you manage."))
        else:
            people_admin.grant_role(person, Role(form.role.data), unit, by=current_user)
            flash(_("The role was granted."), "info")
            return redirect(url_for("admin_people.edit_person", user_id=person.id))
    return _person_page(person, PersonForm(obj=person, unit_code=person.unit.code), form, 400)


def _grant_of(user_id: int, grant_id: int) -> RoleGrant:
    grant = get_or_404(RoleGrant, grant_id)
    if grant.user_id != user_id or not manages(grant.unit):
        abort(404)
    return grant


# Withdrawing a role and resetting a password are one tap away from harm: the person page links
# to these confirmation pages (plain GET, no JavaScript needed) and only they hold the POST forms.
@bp.get("/people/<int:user_id>/roles/<int:grant_id>/revoke")
@permission(Role.ADMIN, scope=person_scope)
def confirm_revoke_role(user_id: int, grant_id: int):
    grant = _grant_of(user_id, grant_id)
    return render_template("admin/confirm.html", person=grant.user, form=ConfirmForm(),
                           action=url_for("admin_people.revoke_role", user_id=user_id,
                                          grant_id=grant_id),
                           question=_("Withdraw the role %(role)s of %(name)s in %(unit)s?",
                                      role=role_label(grant.role), name=grant.user.full_name,
                                      unit=grant.unit.name),
                           button=_("Yes, withdraw the role"))


@bp.get("/people/<int:user_id>/password")
@permission(Role.ADMIN, scope=person_scope)
def confirm_reset_password(user_id: int):
    person = get_or_404(User, user_id)
    return render_template("admin/confirm.html", person=person, form=CreateButtonForm(),
                           action=url_for("admin_people.reset_password", user_id=user_id),
                           question=_("Reset the password of %(name)s? Their current password "
                                      "stops working and you will be shown a temporary one.",
                                      name=person.full_name),
                           button=_("Yes, reset the password"))


@bp.post("/people/<int:user_id>/roles/<int:grant_id>/revoke")
@permission(Role.ADMIN, scope=person_scope)
def revoke_role(user_id: int, grant_id: int):
    grant = _grant_of(user_id, grant_id)
    if ConfirmForm().validate_on_submit():
        try:
            people_admin.revoke_role(grant, by=current_user)
        except people_admin.OwnAdminRole:
            flash(_("You cannot remove your own administrator role."), "error")
        else:  # withdrawn now or by a duplicate of this request a moment ago: the same
            flash(_("The role was withdrawn."), "info")
    return redirect(url_for("admin_people.edit_person", user_id=user_id))


@bp.post("/people/<int:user_id>/password")
@permission(Role.ADMIN, scope=person_scope)
def reset_password(user_id: int):
    person = get_or_404(User, user_id)
    form = CreateButtonForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin_people.edit_person", user_id=user_id))
    temporary = people_admin.reset_password(person, by=current_user, key=form.submitted_key())
    return _person_page(person, PersonForm(obj=person, unit_code=person.unit.code), GrantForm(),
                        temporary_password=temporary)


@bp.route("/people/import", methods=["GET", "POST"])
@permission(Role.ADMIN)
def import_people():
    """The upload is stored and checked, hashed and written by a job (see job_handlers):
    a big file never holds a request or the database."""
    form = ImportForm()
    if form.validate_on_submit():
        job = job_handlers.submit_people_import(
            form.file.data.read(), dry_run=form.dry_run.data, requested_by=current_user,
            scope_paths=admin_paths(), locale=str(get_locale()))
        return redirect(url_for("jobs.show", job_id=job.id), 303)
    return render_template("admin/import.html", form=form, report=None, title=_("Import people"),
                           columns=imports.PEOPLE_COLUMNS + imports.PEOPLE_OPTIONAL,
                           queued=True), 400 if form.is_submitted() else 200


def _invitations_page(form: InvitationForm, status: int = 200, created: Invitation | None = None):
    rows = people_admin.invitations_within(admin_paths())
    return render_template("admin/invitations.html", form=form, invitations=rows,
                           confirm=ConfirmForm(), created=created), status


@bp.get("/invitations/")
@permission(Role.ADMIN)
def list_invitations():
    return _invitations_page(InvitationForm())


@bp.post("/invitations/")
@permission(Role.ADMIN)
def create_invitation():
    form = InvitationForm()
    if not form.validate_on_submit():
        return _invitations_page(form, 400)
    unit = managed_unit_or_error(form.unit_code.data)
    if unit is None:
        form.unit_code.errors.append(_("Give the code of a unit that you manage."))
        return _invitations_page(form, 400)
    invitation = people_admin.create_invitation(
        unit, audience=form.audience.data, max_uses=form.max_uses.data, days=form.days.data,
        by=current_user, key=form.submitted_key())
    form = InvitationForm()
    form.renew_key()  # the next code made from this page is a new one, not a duplicate
    return _invitations_page(form, 201, created=invitation)


@bp.post("/invitations/<int:invitation_id>/revoke")
@permission(Role.ADMIN, scope=invitation_scope)
def revoke_invitation(invitation_id: int):
    if ConfirmForm().validate_on_submit():
        people_admin.revoke_invitation(get_or_404(Invitation, invitation_id))
        flash(_("The invitation was withdrawn."), "info")
    return redirect(url_for("admin_people.list_invitations"))
