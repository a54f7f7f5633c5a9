"""Invitation codes: people join a unit by themselves until the code expires or is used up."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Invitation, Role, Unit, User
from ..clock import utcnow
from .accounts import AccountError, create_user, grant_role

# No 0/O, 1/I/L: codes are read aloud at cell meetings and typed on phones.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class AlreadyRegistered(AccountError):
    """The username, e-mail or phone already has an account (the invitation is not used)."""


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return f"{cleaned[:5]}-{cleaned[5:]}" if len(cleaned) == 10 else cleaned


def create_invitation(unit: Unit, *, audience: str = "cadre", max_uses: int = 1,
                      days: int = 30, created_by: User | None = None) -> Invitation:
    invitation = build_invitation(unit, audience=audience, max_uses=max_uses, days=days,
                                  created_by_id=created_by.id if created_by else None)
    db.session.commit()
    return invitation


def build_invitation(unit: Unit, *, audience: str, max_uses: int, days: int,
                     created_by_id: int | None) -> Invitation:
    """A new invitation added to the session (the caller commits)."""
    invitation = Invitation(code=new_code(), unit=unit, audience=audience, max_uses=max_uses,
                            expires_at=utcnow() + timedelta(days=days),
                            created_by_id=created_by_id)
    db.session.add(invitation)
    return invitation


def find_usable(code: str) -> Invitation:
    """The invitation for this code, or AccountError saying why it cannot be used."""
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.code == normalise_code(code)))
    if invitation is None:
        raise AccountError(_("This invitation code does not exist. Check it with whoever gave "
                             "it to you."))
    if invitation.revoked_at is not None:
        raise AccountError(_("This invitation code has been withdrawn."))
    if invitation.expires_at <= utcnow():
        raise AccountError(_("This invitation code has expired. Ask your unit for a new one."))
    if invitation.uses >= invitation.max_uses:
        raise AccountError(_("This invitation code has already been used up."))
    return invitation


def redeem(code: str, *, username: str, full_name: str, password: str,
           email: str | None = None, phone: str | None = None,
           locale: str | None = None) -> User:
    """Join with a code. Two people racing for the last use cannot both get it."""
    invitation = find_usable(code)
    claimed = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id,
                                 Invitation.uses < Invitation.max_uses,
                                 Invitation.revoked_at.is_(None))
        .values(uses=Invitation.uses + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise AccountError(_("This invitation code has already been used up."))
    try:
        user = create_user(username, full_name, password, invitation.unit,
                           audience=invitation.audience,
                           is_party_member=invitation.audience == "cadre",
                           email=email, phone=phone, locale=locale)
        grant_role(user, Role.LEARNER, invitation.unit)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRegistered(username) from None
    return user


def revoke(invitation: Invitation) -> None:
    """Withdraw the code (once: a repeat keeps the first time) and commit."""
    invitation.revoked_at = invitation.revoked_at or utcnow()
    db.session.commit()
