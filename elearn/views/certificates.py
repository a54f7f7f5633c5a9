"""Certificates: a page and downloads (one per renderer plugin) for the holder and verifiers."""
from __future__ import annotations

import segno
from flask import Blueprint, Response, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..models import Completion
from ..plugin_guard import run_render
from ..registry import current_registry
from ..security import AUTHENTICATED, permission
from ..services import codes, verification
from ..services.certificates import certificate_data
from .errors import render_error
from .verify import may_see_holder

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def _visible_completion(code: str) -> Completion:
    completion = verification.by_code(code)
    if completion is None or not may_see_holder(completion):
        abort(404)  # others learn nothing, not even that the code exists
    return completion


@bp.get("/")
@permission(AUTHENTICATED)
def mine():
    return render_template("certificates.html",
                           completions=verification.completions_of(current_user),
                           registry=current_registry(), display=codes.display)


@bp.get("/<code>")
@permission(AUTHENTICATED)
def show(code: str):
    completion = _visible_completion(code)
    data = certificate_data(completion)
    qr = Markup(segno.make(data.verify_url, error="m").svg_inline(
        scale=4, title=data.labels["verify_at"]))
    return render_template("certificate.html", completion=completion, data=data, qr=qr,
                           renderers=current_registry().certificate_renderers.values())


@bp.get("/<code>.<extension>")
@permission(AUTHENTICATED)
def download(code: str, extension: str):
    renderer = next((r for r in current_registry().certificate_renderers.values()
                     if r.extension == extension), None)
    if renderer is None:
        abort(404)
    completion = _visible_completion(code)
    if completion.revocation is not None:
        return render_error(410, _("This certificate has been revoked and can no longer be "
                                   "downloaded. Its verification page shows why."))
    body = run_render(renderer, certificate_data(completion))
    if body is None:
        return render_error(503, _("This format is unavailable right now; try another "
                                   "format or come back later."))
    filename = f"certificate-{completion.code}.{renderer.extension}"
    return Response(body, mimetype=renderer.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
