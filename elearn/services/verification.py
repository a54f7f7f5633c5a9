"""Public verification and certificates: finding completions by code or holder, and the
audit log's record of verifiers' look-ups (the one audited read of the verify pages)."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..content.model import Course
from ..models import Completion, PersonAudience, User
from . import audit, codes, orgs


def by_code(code: str) -> Completion | None:
    """The completion with this code as typed (None if mistyped or unknown)."""
    try:
        normal = codes.normalise(code)
    except codes.MalformedCode:
        return None
    return db.session.scalar(select(Completion).where(Completion.code == normal))


def completions_of(user: User) -> list[Completion]:
    """A person's completions, newest first."""
    return list(db.session.scalars(select(Completion).where(Completion.user_id == user.id)
                                   .order_by(Completion.completed_at.desc())))


def issuer_name(completion: Completion, course: Course | None, language: str) -> str:
    """Who issues the certificate: the course's `issuer` (the training centre or school that
    owns it), else the top unit of the holder's organisation tree, which runs the study.
    Never the learner's own cell or class: they did not teach the course."""
    names = issuer_names(completion, course)
    return names[1] if language == "en" else names[0]


def issuer_names(completion: Completion, course: Course | None) -> tuple[str, str]:
    """`issuer_name` in Vietnamese and English; the unit tree's top is read once for both
    (the verification answer names the issuer in both languages)."""
    if course is not None and course.issuer is not None:
        return course.issuer.get("vi"), course.issuer.get("en")
    root = orgs.root_name(completion.unit)
    return root, root


def is_student(user: User) -> bool:
    """Students are not Party cadres: certificates do not call them "comrade"."""
    return user.audience == PersonAudience.STUDENT


def record_lookup(completion: Completion, status: str, *, by: User) -> None:
    """A verifier looked this completion up: who checked whose certificate is evidence too,
    so it goes into the audit log (and commits). Public look-ups are not recorded."""
    audit.record("verification.lookup", actor_id=by.id, subject=completion.code,
                 data={"status": status})
    db.session.commit()


def holder_identity(user: User, host: str) -> tuple[str, str]:
    """(identity, Open Badges identityType) other systems may know the holder by: the email
    address when there is one, else the account name on this platform's host."""
    if user.email:
        return user.email.strip().lower(), "emailAddress"
    return f"{user.username}@{host}", "identifier"


def holder_salt(completion: Completion) -> str:
    """A salt for the holder's hashed identity, stable per completion (re-downloading gives
    the same credential) and unguessable without the server's key (the hash cannot be
    precomputed for a list of known addresses before a credential is seen)."""
    key = current_app.config["COMPLETION_SIGNING_KEY"].encode()
    return hmac.new(key, f"badge-salt:{completion.code}".encode(), hashlib.sha256).hexdigest()[:32]
