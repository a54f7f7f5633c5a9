"""What a certificate says: the data every renderer plugin receives, for one completion.

One function for the single download (views/certificates.py) and the class bundle
(services/bulk_certificates.py), so both print the same words, link and QR code."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import format_date, format_decimal, get_locale, gettext as _

from ..interfaces import CertificateData
from ..models import Completion
from ..registry import current_registry
from ..urls import public_url_for
from . import codes, verification


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
