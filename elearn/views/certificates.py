"""Certificates: a page and downloads (one per renderer plugin) for the holder and verifiers."""
from __future__ import annotations

from urllib.parse import urlsplit

import segno
from flask import Blueprint, Response, abort, render_template
from flask_babel import format_date, format_decimal, get_locale, gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..interfaces import CertificateData
from ..models import Completion
from ..plugin_guard import run_render
from ..registry import current_registry
from ..security import AUTHENTICATED, permission
from ..services import codes, verification
from ..urls import public_url_for
from .errors import render_error
from .verify import may_see_holder

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def _visible_completion(code: str) -> Completion:
    completion = verification.by_code(code)
    if completion is None or not may_see_holder(completion):
        abort(404)  # others learn nothing, not even that the code exists
    return completion


def certificate_data(completion: Completion) -> CertificateData:
    language = str(get_locale() or "vi")
    course = current_registry().course(completion.course_slug)
    title = course.title.get(language) if course else completion.course_slug
    score = (_("Score: %(score)s%%", score=format_decimal(completion.score, "#,##0.#"))
             if completion.score is not None else "")
    method = _("studied online") if completion.method == "online" else _("studied in class")
    verify_url = public_url_for("verify.page", code=codes.display(completion.code))
    identity, identity_type = verification.holder_identity(
        completion.user, urlsplit(public_url_for("main.index")).hostname or "localhost")
    return CertificateData(
        holder_name=completion.user.full_name,
        unit_name=verification.issuer_name(completion, course, language),
        course_title=title, course_version=completion.course_version,
        content_hash=completion.content_hash, score=completion.score, method=completion.method,
        completed_at=completion.completed_at, code=completion.code,
        display_code=codes.display(completion.code), verify_url=verify_url, language=language,
        labels={
            "title": _("Certificate of study"),
            # "Chứng nhận đồng chí" suits Party cadres only; a student's certificate names them
            # as a college certificate does.
            "certifies": (_("This is to certify that")
                          if verification.is_student(completion.user)
                          else _("This certifies that")),
            "completed": _("has completed the course"),
            "version": _("Version %(version)s", version=completion.course_version),
            "score": score,
            "date": _("Completed on %(date)s", date=format_date(completion.completed_at,
                                                               "long")),
            "method": method,
            "content_hash": _("Content fingerprint (SHA-256): %(hash)s",
                              hash=completion.content_hash),
            "code_label": _("Verification code"),
            "verify_at": _("Check this certificate at:"),
        },
        course_titles=dict(course.title.values) if course else {"vi": completion.course_slug},
        holder_identity=identity, holder_identity_type=identity_type,
        holder_salt=verification.holder_salt(completion),
        issuer_url=public_url_for("credentials.issuer"),
        status_url=public_url_for("verify.api", code=codes.display(completion.code)),
        criteria=_("Studied every lesson of the course and met its completion rule "
                   "(%(rule)s).", rule=course.completion_rule if course else "-"))


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
