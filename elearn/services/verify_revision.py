"""The stamp a remembered public verification answer is checked against, for what the answer
shows beside the completion and revocation rows: the holder's name and the names and tree of
the units (the completion's unit, and its root as issuer).

Any flush that renames a person or a unit, moves a unit or deletes either writes a new random
stamp, in the same transaction (so the change and the new stamp commit together, on every
path through the ORM: admin pages, API sync, imports, the CLI). A remembered answer carries
the stamp it was computed under and is used only while the database still holds it.
The completion and revocation rows themselves are compared whole instead
(`public_verification`): they are the evidence, changed by the app or behind its back alike.
"""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..models import CacheRevision, Unit, User

NAME = "verify"
# What a public answer shows of these records (a holder's unit is the completion's own,
# signed unit_id, so a person moving unit changes nothing shown).
# A move sets the `parent` relationship: its parent_id and path are written during the flush
# (or by a bulk UPDATE), after this check runs.
WATCHED: dict[type, tuple[str, ...]] = {User: ("full_name",),
                                        Unit: ("name", "parent", "parent_id", "path")}


def stamp_column():
    """The current stamp as a scalar subquery, to read it in the caller's own query."""
    return (select(CacheRevision.value).where(CacheRevision.name == NAME)
            .scalar_subquery().label("verify_revision"))


def _changes_shown_data(session: Session) -> bool:
    for obj in session.deleted:
        if type(obj) in WATCHED:
            return True
    for obj in session.dirty:
        names = WATCHED.get(type(obj))
        if names is not None:
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in names):
                return True
    return False


def bump(connection: Connection) -> None:
    """Write a new stamp (insert or replace: the row may not exist yet, and two first bumps
    may race)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    value = secrets.token_hex(16)
    statement = dialect.insert(CacheRevision).values(name=NAME, value=value)
    connection.execute(statement.on_conflict_do_update(index_elements=["name"],
                                                       set_={"value": value}))


@event.listens_for(Session, "before_flush")
def _bump_when_shown_data_changes(session: Session, _context: Any, _instances: Any) -> None:
    if _changes_shown_data(session):
        bump(session.connection())
