"""Which engine the session reads from right now: the primary, or (inside
`services.read_replica.reading_from_replica`) the read replica.

Kept apart from the service so `extensions` can use the session class without importing
services (no import circle). Only plain reads are routed: a flush (a write) always goes to the
primary, so a write path can never read its own data back from a lagging copy.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from flask_sqlalchemy.session import Session
from sqlalchemy.engine import Connection, Engine

# The replica's engine while a replica read is under way, else None (read the primary).
replica_engine: ContextVar[Engine | None] = ContextVar("elearn_replica_engine", default=None)


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, sending reads to the replica when the context asks."""

    def get_bind(self, mapper: Any | None = None, clause: Any | None = None,
                 bind: Engine | Connection | None = None, **kwargs: Any) -> Engine | Connection:
        replica = replica_engine.get()
        if replica is not None and bind is None and not self._flushing:
            return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
