"""External identifiers: the accounts other systems know a person by (a single sign-on
provider's subject), stored as `person_identifiers` rows of their own kind (e.g. `oidc`).

Kept apart from the party card and citizen ID (services/identifiers.py), which are typed and
validated numbers: an external identifier is opaque text its plugin composes (the OpenID
Connect plugin stores "<issuer> <subject>"). A value belongs to one person; a person has at
most one of each kind. Linking and unlinking are admin actions, each in the audit log once;
the value itself is not logged (it is read more widely than the person page)."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select, update

from ..clock import utcnow
from ..extensions import db
from ..models import PersonIdentifier, Unit, User
from . import audit
from .accounts import create_user, normalise_email
from .unit_of_work import until_it_stands

MAX_LENGTH = 512


class ExternalIdTaken(ValueError):
    """Another person is already linked to this external identifier."""


def person_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def person_with(kind: str, value: str) -> User | None:
    """The person linked to `value` of `kind`, or None."""
    return db.session.scalar(select(User).join(PersonIdentifier,
                                               PersonIdentifier.user_id == User.id)
                             .where(PersonIdentifier.kind == kind,
                                    PersonIdentifier.value == value))


def value_of(person: User, kind: str) -> str | None:
    return db.session.scalar(select(PersonIdentifier.value).where(
        PersonIdentifier.user_id == person.id, PersonIdentifier.kind == kind))


def link(person: User, kind: str, value: str, *, by: User) -> bool:
    """Link `person` to `value` (replacing their previous one of this kind). True when
    something changed; a resend of the same link changes nothing and is not audited again.
    Raises ExternalIdTaken when the value is someone else's."""
    if not value or len(value) > MAX_LENGTH:
        raise ValueError("an external identifier has 1 to 512 characters")
    person_id, by_id = person.id, by.id

    def write() -> bool:
        owner = db.session.scalar(select(PersonIdentifier.user_id).where(
            PersonIdentifier.kind == kind, PersonIdentifier.value == value))
        if owner == person_id:
            db.session.rollback()
            return False
        if owner is not None:
            db.session.rollback()
            raise ExternalIdTaken(kind)
        # Decided by what the writes touch, not by what was read a moment ago: a duplicate
        # that read before the winner committed changes no row here and meets the unique
        # constraint below, so it runs again and finds the link made.
        replaced = db.session.execute(
            update(PersonIdentifier).where(PersonIdentifier.user_id == person_id,
                                           PersonIdentifier.kind == kind,
                                           PersonIdentifier.value != value)
            .values(value=value, updated_at=utcnow())).rowcount
        if not replaced:
            db.session.add(PersonIdentifier(user_id=person_id, kind=kind, value=value))
        db.session.flush()
        audit.record("person.external_id_linked", actor_id=by_id, subject=f"user:{person_id}",
                     data={"kind": kind})
        db.session.commit()
        return True

    return until_it_stands(write, what="the link")


def unlink(person: User, kind: str, *, by: User) -> bool:
    """Remove the person's identifier of `kind`; False (and no audit entry) if there was none."""
    person_id, by_id = person.id, by.id

    def write() -> bool:
        removed = db.session.execute(delete(PersonIdentifier).where(
            PersonIdentifier.user_id == person_id, PersonIdentifier.kind == kind)).rowcount
        if not removed:  # never linked, or a duplicate request removed it first
            db.session.rollback()
            return False
        audit.record("person.external_id_unlinked", actor_id=by_id,
                     subject=f"user:{person_id}", data={"kind": kind})
        db.session.commit()
        return True

    return until_it_stands(write, what="the link")


def create_linked_learner(kind: str, value: str, *, unit_code: str, full_name: str,
                          email: str | None = None) -> User | None:
    """A new person in unit `unit_code`, linked to `value`, holding no role at all (a plain
    learner: single sign-on never creates administrators). Its password is random and
    unknown to anyone, so the account signs in only through its provider until an admin
    resets it. Two simultaneous first sign-ins create one person. None if the unit does not
    exist."""
    if not value or len(value) > MAX_LENGTH:
        raise ValueError("an external identifier has 1 to 512 characters")
    # A username nobody chose, derived from the identifier: the same subject always
    # gets the same one, so a duplicate first sign-in meets the unique constraint.
    username = f"{kind}-{hashlib.sha256(value.encode()).hexdigest()[:16]}"

    def write() -> User | None:
        existing = person_with(kind, value)
        if existing is not None:
            return existing
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            return None
        if email and db.session.scalar(select(User.id).where(
                User.email == normalise_email(email))) is not None:
            email_kept = None  # someone here already uses it: the admin sorts that out
        else:
            email_kept = email
        person = create_user(username, (full_name or username)[:200], secrets.token_urlsafe(32),
                             unit, email=email_kept)
        db.session.add(PersonIdentifier(user_id=person.id, kind=kind, value=value))
        db.session.flush()
        audit.record("person.created_by_sign_in", actor_id=None, subject=f"user:{person.id}",
                     data={"kind": kind, "unit": unit_code})
        db.session.commit()
        return person

    return until_it_stands(write, what="the new person")
