"""Sign in (throttled), sign out (ends the server-side session), join with an invitation."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_user, logout_user

from ..forms import JoinForm, LoginForm, LogoutForm
from ..plugin_guard import run_first_result
from ..security import AUTHENTICATED, PUBLIC, permission
from ..services import accounts, invitations, sessions
from .main import safe_next

bp = Blueprint("auth", __name__)


def _address() -> str:
    return request.remote_addr or "unknown"


def _sign_in(user) -> None:
    sessions.start_session(user, _address(), request.user_agent.string or "")
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@permission(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("login.html", form=form), 400 if form.is_submitted() else 200
    wait = accounts.begin_sign_in(form.username.data, _address())
    if wait and wait.reason == "address":
        flash(_("Many failed sign-ins came from your network. Please wait %(seconds)d "
                "second(s) and try again.", seconds=wait.seconds), "error")
    elif wait:
        flash(_("Too many failed sign-ins. For your safety, try again in %(minutes)d "
                "minute(s), or ask your unit's administrator to reset your password.",
                minutes=max(1, round(wait.seconds / 60))), "error")
    if wait:
        return render_template("login.html", form=form), 429, {
            "Retry-After": str(wait.seconds)}
    # Plugins (SSO, LDAP) answer first; local passwords run last.
    # A sign-in plugin that raises is skipped (and listed on /admin/plugins).
    user = run_first_result(current_app.extensions["elearn.plugin_manager"].hook.authenticate,
                            "authenticate", identifier=form.username.data,
                            secret=form.password.data)
    accounts.record_sign_in(form.username.data, _address(), succeeded=user is not None)
    if user is None or not user.is_active:
        flash(_("Wrong username or password."), "error")
        return render_template("login.html", form=form), 401
    _sign_in(user)
    if user.must_change_password:
        flash(_("Please choose your own password before you continue."), "info")
        return redirect(url_for("profile.password"))
    return redirect(safe_next(request.args.get("next")))


@bp.post("/logout")
@permission(AUTHENTICATED)
def logout():
    if LogoutForm().validate_on_submit():
        sessions.end_session(current_user.session_token)
        logout_user()
    return redirect(url_for("main.index"))


@bp.route("/join", methods=["GET", "POST"])
@permission(PUBLIC)
def join():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = JoinForm(code=request.args.get("code", ""))
    if not form.validate_on_submit():
        return render_template("join.html", form=form), 400 if form.is_submitted() else 200
    if accounts.find_user(form.username.data):
        form.username.errors.append(_("This username is taken. Choose another one."))
        return render_template("join.html", form=form), 409
    try:
        user = invitations.redeem(
            form.code.data, username=form.username.data, full_name=form.full_name.data,
            password=form.password.data, email=form.email.data, phone=form.phone.data,
            locale=str(get_locale()))
    except invitations.AlreadyRegistered:
        form.email.errors.append(_("This username, e-mail or phone already has an account."))
        return render_template("join.html", form=form), 409
    except accounts.AccountError as exc:
        form.code.errors.append(str(exc))
        return render_template("join.html", form=form), 400
    _sign_in(user)
    flash(_("Welcome, %(name)s. You can start studying now.", name=user.full_name), "info")
    return redirect(url_for("main.index"))
