"""The public unsubscribe page. GET asks (a page with a CSRF form, so a link scanner that
follows links changes nothing); POST with the body `List-Unsubscribe=One-Click` is the mail
client's one-click request (RFC 8058), which carries no CSRF token: the signed token in the
address is its permission."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf

from ...api import PUBLIC, AppForm, csrf_exempt, permission
import elearn.builtins.notifications.unsubscribe as unsubscribe  # the module, not the package (no import circle)
from .texts import kind_label

bp = Blueprint("notifications_unsubscribe", __name__, template_folder="templates")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@permission(PUBLIC)
@csrf_exempt
def confirm(token: str):
    found = unsubscribe.read_token(token)
    if found is None:
        abort(404)
    user_id, kind = found
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        if not one_click:
            try:
                validate_csrf(request.form.get("csrf_token"))
            except CSRFError:
                abort(400)
            except Exception:  # noqa: BLE001 - wtforms ValidationError: missing or wrong
                abort(400)
        unsubscribe.turn_off(user_id, kind, how="one-click" if one_click else "page")
        return render_template("notifications/unsubscribed.html", label=kind_label(kind))
    return render_template("notifications/unsubscribe.html", label=kind_label(kind),
                           form=AppForm())
