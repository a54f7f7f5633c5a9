"""A person's own profile and password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms import PasswordForm, ProfileForm
from ..security import AUTHENTICATED, permission
from ..services import accounts, identifiers

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.route("/", methods=["GET", "POST"])
@permission(AUTHENTICATED)
def show():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, full_name=form.full_name.data,
                                    email=form.email.data, phone=form.phone.data,
                                    locale=form.locale.data)
        except accounts.ContactTaken:
            flash(_("This e-mail or phone already belongs to another account."), "error")
            return render_template("profile.html", form=form,
                                   history=accounts.memberships(current_user),
                           identifiers=identifiers.shown_to(current_user, current_user)), 409
        flash(_("Your profile was saved."), "info")
        return redirect(url_for("profile.show"))
    status = 400 if form.is_submitted() else 200
    return render_template("profile.html", form=form,
                           history=accounts.memberships(current_user),
                           identifiers=identifiers.shown_to(current_user, current_user)), status


@bp.route("/password", methods=["GET", "POST"])
@permission(AUTHENTICATED)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            # Anyone who knew the old password is signed out on every other device.
            accounts.change_own_password(current_user, form.current.data, form.new.data,
                                         keep_token=current_user.session_token)
        except accounts.TooManyAttempts as exc:
            form.current.errors.append(str(exc))
            return render_template("password.html", form=form), 429, {
                "Retry-After": str(exc.seconds)}
        except accounts.AccountError as exc:
            form.current.errors.append(str(exc))
            return render_template("password.html", form=form), 400
        flash(_("Your password was changed."), "info")
        return redirect(url_for("profile.show"))
    return render_template("password.html", form=form), 400 if form.is_submitted() else 200
