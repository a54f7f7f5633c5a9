"""Sign-in through the provider (/auth/oidc/login, /auth/oidc/callback) and the admin's page
linking a person to their subject. Views parse, call `elearn.api`, render."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, \
    session, url_for
from flask_login import current_user
from joserfc.errors import JoseError

from ...api import (
    PUBLIC, ExternalIdTaken, Role, create_learner_with_external_id, external_id_of,
    gettext as _, link_external_id, permission, person_by_id, person_scope,
    person_with_external_id,
    public_url_for, sign_in, unlink_external_id,
)
import elearn.builtins.oidc.provider as provider  # the module, not the package (no import circle)
from .forms import LinkForm, UnlinkForm

log = logging.getLogger(__name__)
bp = Blueprint("oidc", __name__, template_folder="templates")
NEXT_KEY = "oidc_next"


def _refused(message: str, status: int):
    return render_template("oidc/refused.html", message=message), status


def _local_path(target: str | None) -> str | None:
    """A path on this site to return to after signing in (never another site)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


@bp.get("/auth/oidc/login")
@permission(PUBLIC)
def login():
    client = provider.client()
    if client is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    # Authlib and requests load with the configured client (provider.configure), not before.
    import requests
    from authlib.integrations.base_client.errors import OAuthError

    session[NEXT_KEY] = _local_path(request.args.get("next"))
    try:
        # Authlib makes the state, the nonce and the PKCE verifier (S256), keeps them in
        # the signed session cookie and sends the challenge.
        return client.authorize_redirect(public_url_for("oidc.callback"))
    except (requests.RequestException, OAuthError, ValueError, KeyError) as problem:
        log.warning("OpenID Connect discovery failed: %s", problem)
        return _refused(_("The sign-in service cannot be reached right now. Try again later, "
                          "or sign in with your password."), 502)


@bp.get("/auth/oidc/callback")
@permission(PUBLIC)
def callback():
    client = provider.client()
    if client is None:
        abort(404)
    import requests
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError

    try:
        token = client.authorize_access_token()
    except MismatchingStateError:
        return _refused(_("This sign-in could not be checked (it was started in another "
                          "window, or too long ago). Please start again."), 400)
    except (OAuthError, JoseError, ValueError, KeyError) as problem:
        log.warning("OpenID Connect sign-in refused: %r", problem)
        return _refused(_("The sign-in service's answer could not be verified. Please start "
                          "again."), 400)
    except requests.RequestException as problem:
        log.warning("OpenID Connect token request failed: %s", problem)
        return _refused(_("The sign-in service cannot be reached right now. Try again later, "
                          "or sign in with your password."), 502)
    claims = token.get("userinfo")
    # Authlib verifies an id_token only when one comes back: without one there is nobody.
    if not claims or not claims.get("sub"):
        return _refused(_("The sign-in service's answer could not be verified. Please start "
                          "again."), 400)
    value = provider.stored_value(str(claims["sub"]))
    person = person_with_external_id(provider.KIND, value)
    unit_code = current_app.config.get("OIDC_AUTO_CREATE")
    if person is None and unit_code:
        person = create_learner_with_external_id(
            provider.KIND, value, unit_code=str(unit_code),
            full_name=str(claims.get("name") or claims.get("preferred_username") or ""),
            email=claims.get("email") if claims.get("email_verified") else None)
        if person is None:
            log.warning("ELEARN_OIDC_AUTO_CREATE names unit %r, which does not exist", unit_code)
    if person is None or not person.is_active:
        return _refused(_("Your account at the sign-in service is not linked to an account "
                          "here. Ask your unit's administrator to link it."), 403)
    sign_in(person)
    return redirect(session.pop(NEXT_KEY, None) or url_for("main.index"))


@bp.route("/admin/people/<int:user_id>/sign-on", methods=["GET", "POST"])
@permission(Role.ADMIN, scope=person_scope)
def person(user_id: int):
    if provider.client() is None:
        abort(404)
    someone = person_by_id(user_id)
    if someone is None:  # removed since the permission check
        abort(404)
    link_form, unlink_form = LinkForm(), UnlinkForm()
    status = 200
    if request.method == "POST":
        if "unlink" in request.form:
            if unlink_form.validate_on_submit():
                unlink_external_id(someone, provider.KIND, by=current_user)
                flash(_("%(name)s can no longer sign in through the sign-in service.",
                        name=someone.full_name), "info")
                return redirect(url_for("oidc.person", user_id=user_id))
            status = 400
        elif link_form.validate_on_submit():
            try:
                link_external_id(someone, provider.KIND,
                                 provider.stored_value(link_form.subject.data.strip()),
                                 by=current_user)
            except ExternalIdTaken:
                link_form.subject.errors.append(
                    _("This subject is already linked to another person."))
                status = 409
            else:
                flash(_("%(name)s can now sign in through the sign-in service.",
                        name=someone.full_name), "info")
                return redirect(url_for("oidc.person", user_id=user_id))
        else:
            status = 400
    subject = provider.subject_of(external_id_of(someone, provider.KIND))
    return render_template("oidc/person.html", person=someone, subject=subject,
                           link_form=link_form, unlink_form=unlink_form,
                           provider_name=current_app.config.get("OIDC_DISPLAY_NAME")
                           or "OpenID Connect"), status

