"""People administration: the admin's lists, person edits, role grants and withdrawals,
password resets and invitation codes. Each function owns its unit of work (it commits);
every role change is in the audit log."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Invitation, Role, RoleGrant, Unit, User
from . import accounts, audit, invitations, sessions, submissions
from .orgs import within_any
from .unit_of_work import until_it_stands


ContactTaken = accounts.ContactTaken


@dataclass(frozen=True)
class PersonEdit:
    """What the admin's person form says, already validated."""

    full_name: str
    audience: str
    is_party_member: bool
    is_leader: bool
    email: str | None
    phone: str | None
    active: bool
    unit: Unit
    position: str | None


def people_page(scope_paths: list[str], search: str = "", per_page: int = 50) -> Pagination:
    """People in the admin's subtrees, in tree order, filtered by name, username, unit code
    or e-mail; the page number comes from ?page= (Flask-SQLAlchemy's paginate)."""
    statement = (select(User).join(Unit, User.unit_id == Unit.id)
                 .where(within_any(scope_paths))
                 .options(joinedload(User.unit)).order_by(Unit.path, User.full_name))
    if search:
        like = f"%{search}%"
        statement = statement.where(or_(User.full_name.ilike(like), User.username.ilike(like),
                                        Unit.code.ilike(like), User.email.ilike(like)))
    return db.paginate(statement, per_page=per_page, error_out=False)


def update_person(person: User, edit: PersonEdit, *, by: User) -> None:
    """Save the admin's edits; an admin cannot deactivate themselves. Raises ContactTaken
    (and leaves the person as stored) when the e-mail or phone is someone else's."""
    person_id = person.id
    try:
        person.full_name = edit.full_name.strip()
        person.audience = edit.audience
        person.is_party_member = edit.is_party_member
        person.is_leader = edit.is_leader
        person.email = accounts.normalise_email(edit.email)
        person.phone = accounts.normalise_phone(edit.phone)
        if person.active and not edit.active:
            sessions.end_all_sessions(person)
        person.active = edit.active if person.id != by.id else True
        # A move runs an UPDATE, which flushes the contact fields first: keep it inside.
        accounts.move_user(person, edit.unit, edit.position)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ContactTaken(person_id) from None


def grant_role(person: User, role: Role, unit: Unit, *, by: User) -> bool:
    """Grant `role` on `unit`; True when this call granted it. Granting it again (or a
    duplicate request racing this one) changes nothing and writes no audit entry."""
    person_id, unit_id, unit_code, by_id = person.id, unit.id, unit.code, by.id

    def write() -> bool:
        existing = db.session.scalar(select(RoleGrant.id).where(
            RoleGrant.user_id == person_id, RoleGrant.unit_id == unit_id,
            RoleGrant.role == role))
        if existing is not None:
            db.session.rollback()
            return False
        grant = RoleGrant(user_id=person_id, unit_id=unit_id, role=role, granted_by_id=by_id)
        db.session.add(grant)
        db.session.flush()
        audit.record("role.granted", actor_id=by_id, subject=f"user:{person_id}",
                     data={"role": str(role), "unit": unit_code, "grant": grant.id})
        db.session.commit()
        return True

    return until_it_stands(write, what="the role change")


class OwnAdminRole(ValueError):
    """An admin may not withdraw their own administrator role (they would lock themselves out)."""


def revoke_role(grant: RoleGrant, *, by: User) -> bool:
    """Withdraw a grant; True when this call withdrew it. Concurrent duplicates delete the
    row once (a conditional DELETE), so there is one effect and one audit entry."""
    if grant.user_id == by.id and grant.role == Role.ADMIN:
        raise OwnAdminRole(grant.id)
    grant_id, by_id, subject = grant.id, by.id, f"user:{grant.user_id}"
    facts = {"role": str(grant.role), "unit": grant.unit.code, "grant": grant.id}

    def write() -> bool:
        removed = db.session.execute(delete(RoleGrant).where(RoleGrant.id == grant_id)
                                     .execution_options(synchronize_session=False))
        if removed.rowcount != 1:
            db.session.rollback()
            return False
        audit.record("role.revoked", actor_id=by_id, subject=subject, data=facts)
        db.session.commit()
        return True

    withdrawn = until_it_stands(write, what="the role change")
    db.session.expire_all()  # loaded grants lists must not show the withdrawn row
    return withdrawn


def reset_password(person: User, *, by: User, key: str | None = None) -> str:
    """A new temporary password, to be changed at the next sign-in; every session ends;
    audited. With the form's one-time `key` the password is derived from the key (keyed with
    the app's secret), so a repeated submission resets once and shows the same password."""
    key = submissions.usable_key(key)
    temporary = _temporary_password(key, person.id)
    person_id, by_id = person.id, by.id

    def create() -> User:
        target = db.session.get(User, person_id)
        accounts.set_password(target, temporary)
        target.must_change_password = True
        sessions.end_all_sessions(target)
        audit.record("password.reset", actor_id=by_id, subject=f"user:{person_id}")
        return target

    submissions.once(key, f"password.reset:user:{person_id}", by, create,
                     lambda id_: db.session.get(User, id_), what="the password reset")
    return temporary


def _temporary_password(key: str | None, person_id: int) -> str:
    if key is None:
        return secrets.token_urlsafe(9)
    # Not stored anywhere: only the server (with its secret) can compute it from the key.
    digest = hmac.new(current_app.secret_key.encode(), f"password.reset:{person_id}:{key}"
                      .encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def invitations_within(scope_paths: list[str], limit: int = 200) -> list[Invitation]:
    """The newest invitation codes of units in the admin's subtrees."""
    return list(db.session.scalars(
        select(Invitation).join(Unit, Invitation.unit_id == Unit.id)
        .where(within_any(scope_paths)).options(joinedload(Invitation.unit))
        .order_by(Invitation.created_at.desc()).limit(limit)))


def create_invitation(unit: Unit, *, audience: str, max_uses: int, days: int,
                      by: User, key: str | None = None) -> Invitation:
    """A new invitation code, audited; the form's one-time `key` makes a repeated submission
    return the code already made."""
    unit_id, by_id = unit.id, by.id

    def create() -> Invitation:
        invitation = invitations.build_invitation(
            db.session.get(Unit, unit_id), audience=audience, max_uses=max_uses, days=days,
            created_by_id=by_id)
        db.session.flush()
        audit.record("invitation.created", actor_id=by_id,
                     subject=f"invitation:{invitation.id}",
                     data={"unit_id": unit_id, "audience": audience, "max_uses": max_uses})
        return invitation

    return submissions.once(key, f"invitation.create:unit:{unit_id}", by, create,
                            lambda id_: db.session.get(Invitation, id_), what="the invitation")


def revoke_invitation(invitation: Invitation) -> None:
    invitations.revoke(invitation)
