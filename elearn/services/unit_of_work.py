"""One place for the rule every idempotent write follows under concurrent duplicates."""
from __future__ import annotations

import time
from functools import cache
from typing import Any, Callable, Mapping, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db

T = TypeVar("T")


def until_it_stands(write: Callable[[], T], *, what: str, attempts: int = 10) -> T:
    """Run `write` (which checks the current state, writes, audits and commits) until it
    stands. A duplicate request that lost the race meets a unique constraint (IntegrityError)
    or, on SQLite, the single writer's lock (OperationalError); it rolls back and runs again,
    now seeing the winner's row, so it writes nothing and is not audited twice."""
    for attempt in range(attempts):
        try:
            return write()
        except IntegrityError:
            db.session.rollback()
        except OperationalError:
            db.session.rollback()
            time.sleep(0.05 * (attempt + 1))
    raise RuntimeError(f"{what} could not be saved")


def as_loaded(model: type[T], columns: Mapping[str, Any]) -> T:
    """An instance of `model` in the request's session as if a query had just loaded it with
    these column values (by attribute name, the primary key among them), without the query:
    for a row a statement has just read or written. Loading it through the ORM cost more
    than the statement on the hottest requests (the session look-up, starting a quiz). Public
    API only: a transient instance made detached with its identity, then added (persistent,
    no write). An instance already in the session is returned as it is, as a query would."""
    session = db.session()
    identity = tuple(columns[name] for name in _primary_key_attributes(model))
    found = session.identity_map.get(session.identity_key(model, identity))
    if found is not None:
        return found
    instance = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    instance.__dict__.update(columns)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


@cache
def _primary_key_attributes(model: type) -> tuple[str, ...]:
    mapper = model.__mapper__  # type: ignore[attr-defined]
    return tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
