"""Member identifiers: the party card number and citizen ID (CCCD) other systems use.

Typed and validated here; unique per kind; changed only by admins in scope, each change in
the audit log (the values themselves are not written to the log: it is read more widely than
the person page). Shown whole only to admins over the person and to the person; everyone
else sees them masked, and exports carry them only for administrators.

Validation rules:
- Party card number (số thẻ đảng viên): /work/shared/domain.md does not document its length,
  so it is checked as 6 to 12 digits.
- Citizen ID (căn cước công dân): exactly 12 digits, the first three a province code 001–096
  (Circular 07/2016/TT-BCA and successors)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterator

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import PersonIdentifier, Role, Unit, User
from ..security import has_role
from . import audit
from .orgs import within_any
from .unit_of_work import until_it_stands


class IdentifierKind(StrEnum):
    PARTY_CARD = "party_card"
    CITIZEN_ID = "citizen_id"


LABELS = {IdentifierKind.PARTY_CARD: _l("Party card number"),
          IdentifierKind.CITIZEN_ID: _l("Citizen ID (CCCD)")}


class InvalidIdentifier(ValueError):
    """The value is not a well-formed identifier of its kind; the message is translated."""


class IdentifierTaken(ValueError):
    """Another person already carries this identifier."""


def normalise(kind: IdentifierKind, text: str | None) -> str | None:
    """The stored form (digits only, spaces and dots people type removed), None for empty;
    raises InvalidIdentifier with a message saying what is expected."""
    value = "".join((text or "").split()).replace(".", "").replace("-", "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise InvalidIdentifier(_l("Use digits only."))
    if kind is IdentifierKind.PARTY_CARD:
        if not 6 <= len(value) <= 12:
            raise InvalidIdentifier(_l("A party card number has 6 to 12 digits."))
    else:
        if len(value) != 12:
            raise InvalidIdentifier(_l("A citizen ID has exactly 12 digits."))
        if not 1 <= int(value[:3]) <= 96:
            raise InvalidIdentifier(_l("A citizen ID starts with a province code from 001 to "
                                       "096."))
    return value


def mask(value: str) -> str:
    """`••••••••1234`: the last four digits, enough to tell two records apart."""
    return "•" * max(len(value) - 4, 0) + value[-4:]


def may_see_whole(viewer: User | None, person: User) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False) and (
        viewer.id == person.id or has_role(viewer, Role.ADMIN, person.unit))


def identifiers_of(person: User) -> dict[IdentifierKind, str]:
    # Only the kinds shown on the person page (sync's `external` id is services/sync.py's).
    rows = db.session.scalars(select(PersonIdentifier).where(
        PersonIdentifier.user_id == person.id,
        PersonIdentifier.kind.in_([str(kind) for kind in IdentifierKind]))).all()
    return {IdentifierKind(row.kind): row.value for row in rows}


@dataclass(frozen=True)
class Shown:
    kind: IdentifierKind
    label: str
    text: str


def shown_to(viewer: User | None, person: User) -> list[Shown]:
    """The person's identifiers as `viewer` may see them: whole or masked."""
    whole = may_see_whole(viewer, person)
    return [Shown(kind, str(LABELS[kind]), value if whole else mask(value))
            for kind, value in sorted(identifiers_of(person).items())]


def set_identifiers(person: User, values: dict[IdentifierKind, str | None], *,
                    by: User) -> bool:
    """Store the admin's values (already normalised; None removes one). True when something
    changed; one audit entry per change, none for a resend of the same values. Raises
    IdentifierTaken when a value belongs to someone else."""
    person_id, by_id = person.id, by.id

    def write() -> bool:
        current = {row.kind: row for row in db.session.scalars(
            select(PersonIdentifier).where(PersonIdentifier.user_id == person_id))}
        changed: list[str] = []
        for kind, value in values.items():
            row = current.get(kind)
            if (row.value if row else None) == value:
                continue
            if value is not None and db.session.scalar(select(PersonIdentifier.user_id).where(
                    PersonIdentifier.kind == kind, PersonIdentifier.value == value,
                    PersonIdentifier.user_id != person_id)) is not None:
                db.session.rollback()
                raise IdentifierTaken(kind)
            if value is None:
                db.session.delete(row)
            elif row is None:
                db.session.add(PersonIdentifier(user_id=person_id, kind=kind, value=value))
            else:
                row.value = value
            changed.append(str(kind))
        if not changed:
            db.session.rollback()
            return False
        db.session.flush()
        audit.record("person.identifiers_changed", actor_id=by_id, subject=f"user:{person_id}",
                     data={"kinds": sorted(changed)})
        db.session.commit()
        return True

    return until_it_stands(write, what="the identifiers")


def export_header() -> list[str]:
    return [_("Full name"), _("Username"), _("Unit"), str(LABELS[IdentifierKind.PARTY_CARD]),
            str(LABELS[IdentifierKind.CITIZEN_ID])]


def export_rows(scope_paths: list[str]) -> Iterator[tuple]:
    """Everyone in the admin's subtrees with their identifiers, whole: this export is served
    to administrators only (the dashboard exports other roles get never carry them)."""
    card, cccd = aliased(PersonIdentifier), aliased(PersonIdentifier)
    statement = (select(User.full_name, User.username, Unit.code, card.value, cccd.value)
                 .join(Unit, User.unit_id == Unit.id)
                 .outerjoin(card, (card.user_id == User.id)
                            & (card.kind == str(IdentifierKind.PARTY_CARD)))
                 .outerjoin(cccd, (cccd.user_id == User.id)
                            & (cccd.kind == str(IdentifierKind.CITIZEN_ID)))
                 .where(within_any(scope_paths)).order_by(Unit.path, User.full_name))
    for name, username, unit, party_card, citizen_id in db.session.execute(statement):
        yield name, username, unit, party_card or "", citizen_id or ""
