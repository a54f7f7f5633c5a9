"""One-click unsubscribe (RFC 8058): a signed token naming (person, kind) turns that kind of
notification off for that person, with no sign-in — the link in an e-mail is the permission.

The token is signed with the app's secret (itsdangerous) under its own salt, so it cannot be
made for another person or kind, nor used as any other signed value. It does not expire: an
e-mail read a year later must still unsubscribe."""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ...api import NotificationPreference, User, audit_record, db_session, until_it_stands
from .texts import KINDS

SALT = "elearn.notifications.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def token_for(user_id: int, kind: str) -> str:
    return _serializer().dumps([user_id, kind])


def read_token(token: str) -> tuple[int, str] | None:
    """(person id, kind), or None when the token is not one we signed."""
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or kind not in KINDS:
        return None
    if db_session().get(User, user_id) is None:   # signed for someone since deleted
        return None
    return user_id, kind


def turn_off(user_id: int, kind: str, *, how: str = "page") -> bool:
    """Stop `kind` for the person and audit it; commits. True if this call changed it.
    Twice, or twice at once, is the same as once: one change, one audit entry (the loser of
    a race meets the winner's row, sees the kind already off, and writes nothing)."""
    def write() -> bool:
        found = db_session().get(NotificationPreference, user_id, with_for_update=True)
        if found is None:
            db_session().add(NotificationPreference(
                user_id=user_id, kinds_off=[kind], channels={}, language="",
                quiet_start="", quiet_end=""))
        elif kind in (found.kinds_off or []):
            db_session().rollback()
            return False
        else:
            found.kinds_off = sorted({*(found.kinds_off or []), kind})
        # The signed link is the person's own act, though nobody is signed in.
        audit_record("notifications.unsubscribed", actor_id=user_id, subject=f"user:{user_id}",
                     data={"kind": kind, "how": how})
        db_session().commit()
        return True
    return until_it_stands(write, what="the unsubscription")
