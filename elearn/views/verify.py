"""Public verification of completion codes: a page and a JSON API, rate-limited per address."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..models import Completion, Role
from ..security import PUBLIC, has_role, permission, rate_limited
from ..services import codes, completions, verification
from ..services.public_verification import describe, public_answer

bp = Blueprint("verify", __name__)


def lookup_limit() -> str:
    return f"{current_app.config['VERIFY_LOOKUPS_PER_MINUTE']}/minute"


def may_see_holder(completion: Completion) -> bool:
    """The holder and verifiers of the holder's unit see the full name; the public does not."""
    if not current_user.is_authenticated:
        return False
    return (current_user.id == completion.user_id
            or has_role(current_user, Role.VERIFIER, completion.user.unit))


def _lookup(code: str):
    """(verification, error message, HTTP status) for a code typed by someone."""
    try:
        result = completions.verify(code)
    except codes.MalformedCode as problem:
        message = (_("This code has a typing mistake: check each character and try again.")
                   if str(problem) == "check" else
                   _("A verification code has 11 letters and digits, like ABCD-EFGH-JKM."))
        return None, message, 400
    if result.completion is not None and current_user.is_authenticated \
            and has_role(current_user, Role.VERIFIER, result.completion.user.unit):
        verification.record_lookup(result.completion, result.status.value, by=current_user)
    return result, None, 200


@bp.get("/verify")
@permission(PUBLIC)
def form():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("verify.page", code=code))
    return render_template("verify.html", result=None, data=None, code="")


@bp.get("/verify/<code>")
@permission(PUBLIC)
@rate_limited(lookup_limit, scope="verify")
def page(code: str):
    result, message, status = _lookup(code)
    if result is None:
        return render_template("verify.html", result=None, data=None, code=code,
                               error=message), status
    full = result.completion is not None and may_see_holder(result.completion)
    return render_template("verify.html", result=result, code=code,
                           data=describe(result, full))


@bp.get("/api/v1/verify/<code>")
@permission(PUBLIC)
@rate_limited(lookup_limit, scope="verify")
def api(code: str):
    if not current_user.is_authenticated:
        # A stranger's answer is the same for everyone: remembered per code (a verifier's
        # look-up shows the full name and is audited, so it always reads the record).
        try:
            return current_app.response_class(public_answer(code),
                                              mimetype=current_app.json.mimetype)
        except codes.MalformedCode:
            pass  # _lookup words the message
    result, message, status = _lookup(code)
    if result is None:
        return jsonify(error=message, status=status), status
    full = result.completion is not None and may_see_holder(result.completion)
    return jsonify(describe(result, full))
