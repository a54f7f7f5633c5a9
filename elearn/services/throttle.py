"""Rate limits counted in the database, so every worker and host sees the same counts."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import ThrottleEvent
from ..models.org import utcnow

PRUNE_PROBABILITY = 0.01
PRUNE_AFTER = timedelta(days=1)


def record(scope: str, key: str) -> None:
    db.session.add(ThrottleEvent(scope=scope, key=key[:200]))
    # Old events are useless; clear them now and then rather than on a schedule.
    if random.random() < PRUNE_PROBABILITY:
        prune(PRUNE_AFTER)


def count(scope: str, key: str, window: timedelta) -> int:
    since = utcnow() - window
    return db.session.scalar(select(func.count()).select_from(ThrottleEvent).where(
        ThrottleEvent.scope == scope, ThrottleEvent.key == key[:200],
        ThrottleEvent.at >= since)) or 0


def retry_after(scope: str, key: str, window: timedelta) -> int:
    """Seconds until the oldest counted event leaves the window."""
    oldest = db.session.scalar(select(func.min(ThrottleEvent.at)).where(
        ThrottleEvent.scope == scope, ThrottleEvent.key == key[:200],
        ThrottleEvent.at >= utcnow() - window))
    if oldest is None:
        return 0
    return max(1, int((oldest + window - utcnow()).total_seconds()))


def clear(scope: str, key: str) -> None:
    db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.scope == scope,
                                                    ThrottleEvent.key == key[:200]))


def prune(older_than: timedelta) -> int:
    result = db.session.execute(delete(ThrottleEvent).where(
        ThrottleEvent.at < utcnow() - older_than))
    return result.rowcount or 0
