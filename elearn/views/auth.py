"""Sign in and out with local passwords."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..forms import LoginForm, LogoutForm
from ..security import AUTHENTICATED, PUBLIC, permission
from ..services.accounts import authenticate_local
from .main import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@permission(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate_local(form.username.data, form.password.data)
        if user is not None and user.is_active:
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        flash(_("Wrong username or password."), "error")
        return render_template("login.html", form=form), 401
    status = 400 if form.is_submitted() else 200
    return render_template("login.html", form=form), status


@bp.post("/logout")
@permission(AUTHENTICATED)
def logout():
    if LogoutForm().validate_on_submit():
        logout_user()
    return redirect(url_for("main.index"))
