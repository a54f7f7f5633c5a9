"""API token pages: a person's own tokens under their profile; the admin's page for service
tokens and for listing and revoking anyone's token in the units they manage."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..clock import local_today
from ..forms import ConfirmForm
from ..models import ApiToken, Role
from ..security import AUTHENTICATED, permission
from ..services import api_tokens
from ..token_forms import ServiceTokenForm, TokenForm
from .scoping import admin_paths, managed_unit_or_error

bp = Blueprint("api_tokens", __name__)


def _expiry(form: TokenForm):
    """The form's expiry as the service takes it, or None with the error put on the form."""
    days = int(form.expires.data) if form.expires.data in {"30", "90", "365"} else None
    if form.expires.data == "date" and form.until.data is None:
        form.until.errors.append(_("Choose the expiry date."))
        return None
    try:
        return api_tokens.expiry_from(days, form.until.data if days is None else None,
                                      local_today())
    except api_tokens.TokenError as error:
        form.until.errors.append(str(error))
        return None


# -- my tokens --------------------------------------------------------------------------


def _mine(form: TokenForm, status: int = 200, made: api_tokens.NewToken | None = None):
    return render_template("api_tokens/mine.html", form=form, made=made,
                           tokens=api_tokens.tokens_of(current_user),
                           status_of=api_tokens.status_of), status


@bp.get("/profile/tokens")
@permission(AUTHENTICATED)
def mine():
    return _mine(TokenForm())


@bp.post("/profile/tokens")
@permission(AUTHENTICATED)
def create_mine():
    form = TokenForm()
    if not form.validate_on_submit():
        return _mine(form, 400)
    expires_at = _expiry(form)
    if expires_at is None:
        return _mine(form, 400)
    try:
        made = api_tokens.create_personal(current_user, name=form.name.data,
                                          scopes=form.scopes.data, expires_at=expires_at,
                                          key=form.submitted_key())
    except api_tokens.TokenError as error:
        form.scopes.errors.append(str(error))
        return _mine(form, 400)
    form = TokenForm(formdata=None)
    form.renew_key()  # the next token made from this page is a new one, not a duplicate
    return _mine(form, 201, made)


def _own(token_id: int) -> ApiToken:
    token = api_tokens.find(token_id)
    if token is None or token.user_id != current_user.id or token.kind != "personal":
        abort(404)
    return token


@bp.get("/profile/tokens/<int:token_id>/revoke")
@permission(AUTHENTICATED)
def confirm_revoke_mine(token_id: int):
    token = _own(token_id)
    return render_template("api_tokens/confirm.html", token=token, form=ConfirmForm(),
                           back=url_for("api_tokens.mine"),
                           action=url_for("api_tokens.revoke_mine", token_id=token.id))


@bp.post("/profile/tokens/<int:token_id>/revoke")
@permission(AUTHENTICATED)
def revoke_mine(token_id: int):
    token = _own(token_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    api_tokens.revoke(token, current_user)
    flash(_("The token was revoked: it no longer works."), "info")
    return redirect(url_for("api_tokens.mine"), 303)


# -- the admin's page -------------------------------------------------------------------


def _admin_page(form: ServiceTokenForm, status: int = 200,
                made: api_tokens.NewToken | None = None):
    return render_template("api_tokens/admin.html", form=form, made=made,
                           tokens=api_tokens.tokens_within(admin_paths()),
                           status_of=api_tokens.status_of), status


def token_scope_unit(token_id: int, **_kwargs):
    return api_tokens.unit_of(token_id)


@bp.get("/admin/tokens")
@permission(Role.ADMIN)
def admin_list():
    return _admin_page(ServiceTokenForm())


@bp.post("/admin/tokens")
@permission(Role.ADMIN)
def admin_create():
    form = ServiceTokenForm()
    if not form.validate_on_submit():
        return _admin_page(form, 400)
    unit = managed_unit_or_error(form.unit_code.data)
    if unit is None:
        form.unit_code.errors.append(_("Give the code of a unit that you manage."))
        return _admin_page(form, 400)
    expires_at = _expiry(form)
    if expires_at is None:
        return _admin_page(form, 400)
    try:
        made = api_tokens.create_service(current_user, name=form.name.data, unit=unit,
                                         roles=form.roles.data or [],
                                         scopes=form.scopes.data, expires_at=expires_at,
                                         key=form.submitted_key())
    except api_tokens.TokenError as error:
        form.roles.errors.append(str(error))
        return _admin_page(form, 400)
    form = ServiceTokenForm(formdata=None)
    form.renew_key()
    return _admin_page(form, 201, made)


@bp.get("/admin/tokens/<int:token_id>/revoke")
@permission(Role.ADMIN, scope=token_scope_unit)
def admin_confirm_revoke(token_id: int):
    token = api_tokens.find(token_id)
    return render_template("api_tokens/confirm.html", token=token, form=ConfirmForm(),
                           back=url_for("api_tokens.admin_list"),
                           action=url_for("api_tokens.admin_revoke", token_id=token_id))


@bp.post("/admin/tokens/<int:token_id>/revoke")
@permission(Role.ADMIN, scope=token_scope_unit)
def admin_revoke(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    api_tokens.revoke(api_tokens.find(token_id), current_user)
    flash(_("The token was revoked: it no longer works."), "info")
    return redirect(url_for("api_tokens.admin_list"), 303)
