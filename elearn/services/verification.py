"""Public verification and certificates: finding completions by code or holder, and the
audit log's record of verifiers' look-ups (the one audited read of the verify pages)."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Completion, User
from . import audit, codes


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


def record_lookup(completion: Completion, status: str, *, by: User) -> None:
    """A verifier looked this completion up: who checked whose certificate is evidence too,
    so it goes into the audit log (and commits). Public look-ups are not recorded."""
    audit.record("verification.lookup", actor_id=by.id, subject=completion.code,
                 data={"status": status})
    db.session.commit()
