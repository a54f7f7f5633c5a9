"""One place for the rule every idempotent write follows under concurrent duplicates."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

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
