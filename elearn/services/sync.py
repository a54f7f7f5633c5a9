"""Units and people kept in step with member-management software (API v1 sync).

The other system names each unit and person by its own external id. `upsert_*` makes the
record look like the body sent: the same body twice changes nothing and writes one audit
entry in all (a racing duplicate meets the unique external id or username, runs again
through `until_it_stands`, and finds nothing left to change). `deactivate_*` never deletes:
completions, pledges and the audit log keep pointing at the record.

Sync never grants or withdraws roles (that stays a page action, with its own audit), and an
administrator syncs only inside the subtrees where they are an administrator.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import PersonAudience, PersonIdentifier, Unit, User
from . import accounts, audit, sessions
from .orgs import UnitError, create_unit, move_unit, unit_by_code, validate_unit_fields
from .unit_of_work import until_it_stands

EXTERNAL = "external"  # the person_identifiers kind of a synced person's id
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,31}$")
T = TypeVar("T")


class SyncRefused(ValueError):
    """The request cannot be applied; `status` is the HTTP status, the message translated."""

    status = 422

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class OutOfScope(SyncRefused):
    status = 403


class Conflict(SyncRefused):
    status = 409


class NotFound(SyncRefused):
    status = 404


@dataclass(frozen=True)
class Outcome(Generic[T]):
    record: T
    created: bool
    changed: bool


@dataclass(frozen=True)
class UnitData:
    code: str
    name: str
    level: str
    parent: str  # the parent unit's code


@dataclass(frozen=True)
class PersonData:
    username: str
    full_name: str
    unit: str  # the unit's code
    position: str = ""
    audience: str = PersonAudience.CADRE
    is_party_member: bool = True
    email: str | None = None
    phone: str | None = None


def valid_external_id(external_id: str) -> bool:
    return bool(EXTERNAL_ID.match(external_id or ""))


def _within(unit: Unit, scope: list[str]) -> bool:
    return any(unit.path.startswith(path) for path in scope)


def _check_id(external_id: str) -> None:
    if not valid_external_id(external_id):
        raise SyncRefused(_("An external id is 1–32 letters, digits, '.', '_', ':' or '-'."))


def unit_by_external_id(external_id: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.external_id == external_id))


def person_by_external_id(external_id: str) -> User | None:
    return db.session.scalar(select(User).join(PersonIdentifier, PersonIdentifier.user_id == User.id)
                             .where(PersonIdentifier.kind == EXTERNAL,
                                    PersonIdentifier.value == external_id))


def external_id_of(person: User) -> str | None:
    return db.session.scalar(select(PersonIdentifier.value).where(
        PersonIdentifier.user_id == person.id, PersonIdentifier.kind == EXTERNAL))


def _refuse(error: SyncRefused) -> None:
    db.session.rollback()
    raise error


def _parent_in_scope(code: str, scope: list[str]) -> Unit:
    unit = unit_by_code(code) if code else None
    if unit is None:
        _refuse(SyncRefused(_("No unit with the code %(code)s.", code=code or "?")))
    if not _within(unit, scope):
        _refuse(OutOfScope(_("The unit %(code)s is outside the units you administer.",
                             code=code)))
    if not unit.active:
        _refuse(Conflict(_("The unit %(code)s is deactivated.", code=code)))
    return unit


# -- units -----------------------------------------------------------------------------------


def upsert_unit(external_id: str, data: UnitData, *, by: User, scope: list[str]) -> Outcome[Unit]:
    """Create or update the unit known by `external_id` so it matches `data`, and commit.
    A deactivated unit sent again is active again."""
    _check_id(external_id)
    problems = validate_unit_fields(data.code, data.name, data.level)
    if problems:
        raise SyncRefused(" ".join(problems))
    by_id = by.id

    def write() -> Outcome[Unit]:
        # The code's holder is read before the unit: a duplicate committing in between then
        # shows up as the unit itself, never as someone else holding the code.
        holder = unit_by_code(data.code)
        unit = unit_by_external_id(external_id)
        if unit is not None and not _within(unit, scope):
            _refuse(OutOfScope(_("This unit is outside the units you administer.")))
        parent = _parent_in_scope(data.parent, scope)
        if holder is not None and holder is not unit:
            _refuse(Conflict(_("Code %(code)s is already used.", code=data.code)))
        if unit is None:
            unit = create_unit(data.code, data.name.strip(), data.level, parent)
            unit.external_id = external_id
            audit.record("unit.synced", actor_id=by_id, subject=f"unit:{unit.id}",
                         data={"external_id": external_id, "created": True})
            db.session.commit()
            return Outcome(unit, True, True)
        wanted: dict[str, Any] = {"code": data.code, "name": data.name.strip(),
                                  "level": data.level, "active": True}
        changed = sorted(name for name, value in wanted.items() if getattr(unit, name) != value)
        if unit.parent_id != parent.id:
            changed.append("parent")
        if not changed:
            db.session.rollback()
            return Outcome(unit, False, False)
        for name, value in wanted.items():
            setattr(unit, name, value)
        try:
            move_unit(unit, parent)
        except UnitError as error:
            _refuse(SyncRefused(str(error)))
        audit.record("unit.synced", actor_id=by_id, subject=f"unit:{unit.id}",
                     data={"external_id": external_id, "changed": changed})
        db.session.commit()
        return Outcome(unit, False, True)

    return until_it_stands(write, what="the unit")


def deactivate_unit(external_id: str, *, by: User, scope: list[str]) -> Outcome[Unit]:
    """Mark the unit inactive (never deleted). Refused while it still holds active people or
    active units: the other system deactivates or moves those first."""
    _check_id(external_id)
    by_id = by.id

    def write() -> Outcome[Unit]:
        unit = unit_by_external_id(external_id)
        if unit is None:
            _refuse(NotFound(_("No unit with this external id.")))
        if not _within(unit, scope):
            _refuse(OutOfScope(_("This unit is outside the units you administer.")))
        if not unit.active:
            db.session.rollback()
            return Outcome(unit, False, False)
        people = db.session.scalar(select(func.count(User.id)).where(
            User.unit_id == unit.id, User.active))
        units = db.session.scalar(select(func.count(Unit.id)).where(
            Unit.parent_id == unit.id, Unit.active))
        if people or units:
            _refuse(Conflict(_("The unit still has %(people)d active people and %(units)d "
                               "active units; deactivate or move them first.",
                               people=people, units=units)))
        unit.active = False
        audit.record("unit.deactivated", actor_id=by_id, subject=f"unit:{unit.id}",
                     data={"external_id": external_id})
        db.session.commit()
        return Outcome(unit, False, True)

    return until_it_stands(write, what="the unit")


# -- people ----------------------------------------------------------------------------------


def _contact_holders(email: str | None, phone: str | None) -> set[int]:
    """Ids of the people who have this e-mail address or phone number."""
    found: set[int] = set()
    for column, value in ((User.email, email), (User.phone, phone)):
        if value is not None:
            found.update(db.session.scalars(select(User.id).where(column == value)))
    return found


def upsert_person(external_id: str, data: PersonData, *, by: User,
                  scope: list[str]) -> Outcome[User]:
    """Create or update the person known by `external_id` so they match `data`, and commit.
    A new person gets a random password they must change (they sign in after an
    administrator's reset or an invitation); roles are never touched. A deactivated person
    sent again is active again."""
    _check_id(external_id)
    username = accounts.normalise_username(data.username)
    if not accounts.USERNAME.match(username):
        raise SyncRefused(_("A username is 3–80 lowercase letters, digits, '.', '_' or '-'."))
    if not data.full_name.strip():
        raise SyncRefused(_("The full name is required."))
    email, phone = accounts.normalise_email(data.email), accounts.normalise_phone(data.phone)
    by_id = by.id

    def write() -> Outcome[User]:
        # Who holds the username and contacts is read before the person: a duplicate
        # committing in between then shows up as the person, never as someone else.
        holder = accounts.find_user(username)
        contacts = _contact_holders(email, phone)
        person = person_by_external_id(external_id)
        if person is not None and not _within(person.unit, scope):
            _refuse(OutOfScope(_("This person is outside the units you administer.")))
        unit = _parent_in_scope(data.unit, scope)
        if holder is not None and holder is not person:
            _refuse(Conflict(_("The username %(username)s is already used.",
                               username=username)))
        if contacts - {person.id if person else None}:
            _refuse(Conflict(_("This e-mail address or phone number is already used by "
                               "someone else.")))
        if person is None:
            person = accounts.create_user(
                username, data.full_name, secrets.token_urlsafe(24), unit,
                position=data.position, audience=data.audience,
                is_party_member=data.is_party_member, email=email, phone=phone,
                must_change_password=True)
            db.session.add(PersonIdentifier(user_id=person.id, kind=EXTERNAL,
                                            value=external_id))
            audit.record("person.synced", actor_id=by_id, subject=f"user:{person.id}",
                         data={"external_id": external_id, "created": True})
            db.session.commit()
            return Outcome(person, True, True)
        wanted: dict[str, Any] = {
            "username": username, "full_name": data.full_name.strip(),
            "position": data.position.strip(), "audience": data.audience,
            "is_party_member": data.is_party_member, "email": email, "phone": phone,
            "active": True}
        changed = sorted(name for name, value in wanted.items()
                         if getattr(person, name) != value)
        if person.unit_id != unit.id:
            changed.append("unit")
        if not changed:
            db.session.rollback()
            return Outcome(person, False, False)
        for name, value in wanted.items():
            setattr(person, name, value)
        accounts.move_user(person, unit, data.position)
        audit.record("person.synced", actor_id=by_id, subject=f"user:{person.id}",
                     data={"external_id": external_id, "changed": changed})
        db.session.commit()
        return Outcome(person, False, True)

    return until_it_stands(write, what="the person")


def deactivate_person(external_id: str, *, by: User, scope: list[str]) -> Outcome[User]:
    """Deactivate the person (they can no longer sign in; their sessions end); never deleted,
    so their completions and pledges stay. Nobody deactivates themselves this way."""
    _check_id(external_id)
    by_id = by.id

    def write() -> Outcome[User]:
        person = person_by_external_id(external_id)
        if person is None:
            _refuse(NotFound(_("No person with this external id.")))
        if not _within(person.unit, scope):
            _refuse(OutOfScope(_("This person is outside the units you administer.")))
        if person.id == by_id:
            _refuse(Conflict(_("You cannot deactivate yourself.")))
        if not person.active:
            db.session.rollback()
            return Outcome(person, False, False)
        person.active = False
        sessions.end_all_sessions(person)
        audit.record("person.deactivated", actor_id=by_id, subject=f"user:{person.id}",
                     data={"external_id": external_id})
        db.session.commit()
        return Outcome(person, False, True)

    return until_it_stands(write, what="the person")
