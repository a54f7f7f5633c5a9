"""What a transaction changed that moves the dashboard counters, noted until it commits.

The ORM's own inserts, updates and deletes are noted by the listener in `services/counters.py`;
a service that writes with a bulk statement (a conditional ``UPDATE``, ``INSERT … RETURNING``)
notes the people it touched here, explicitly. This module imports nothing of the services so
any of them can call it (`counters` imports the pledge rules, which would make a circle)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy.orm import Session

from ..extensions import db

_KEY = "elearn.counters.pending"


@dataclass
class Pending:
    units: set[int] = field(default_factory=set)
    users: set[int] = field(default_factory=set)
    completions: set[int] = field(default_factory=set)
    plan_years: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.units or self.users or self.completions or self.plan_years)


def pending(session: Session) -> Pending:
    return session.info.setdefault(_KEY, Pending())


def forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def touch_users(user_ids: Iterable[int], session: Session | None = None) -> None:
    """These people's figures may have moved: their units are recounted before the commit."""
    pending(session or db.session()).users.update(int(i) for i in user_ids if i is not None)
