"""Rate limits counted in the database, so every worker and host sees the same counts."""
from __future__ import annotations

import math
import random
from datetime import timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import ThrottleCounter, ThrottleEvent
from ..clock import utcnow

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


# Atomic counters (ThrottleCounter): every check-and-count is one conditional UPDATE, so
# concurrent requests (threads, workers, hosts) are serialised by the database's row lock
# and at most `limit` of them get through in a window.

COUNTER_PRUNE_AFTER = timedelta(days=2)


def _ensure_counter(scope: str, key: str) -> None:
    """Create the counter row if missing; a concurrent creator wins quietly."""
    # End the request's read transaction first: SQLite cannot upgrade a stale read snapshot
    # to a write while another request has written (it fails instead of waiting).
    db.session.commit()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    db.session.execute(insert(ThrottleCounter).values(
        scope=scope, key=key, count=0, window_start=now, last_at=now - timedelta(days=1),
    ).on_conflict_do_nothing(index_elements=["scope", "key"]))


def _where(scope: str, key: str):
    return (ThrottleCounter.scope == scope) & (ThrottleCounter.key == key)


def take(scope: str, key: str, limit: int, window: timedelta) -> int:
    """Count one attempt if fewer than `limit` were counted in the current window.

    Returns 0 when the attempt may go ahead (and is already counted and committed, before
    any password is checked), else the seconds until the window ends.
    """
    key = key[:200]
    _ensure_counter(scope, key)
    now = utcnow()
    expired = ThrottleCounter.window_start <= now - window
    result = db.session.execute(
        update(ThrottleCounter)
        .where(_where(scope, key), expired | (ThrottleCounter.count < limit))
        .values(count=case((expired, 1), else_=ThrottleCounter.count + 1),
                window_start=case((expired, now), else_=ThrottleCounter.window_start),
                last_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount == 1:
        _maybe_prune()
        return 0
    return _seconds_left(scope, key, window)


def add(scope: str, key: str, window: timedelta) -> None:
    """Count one event (no limit here: callers read `counted` to decide what follows)."""
    key = key[:200]
    _ensure_counter(scope, key)
    now = utcnow()
    expired = ThrottleCounter.window_start <= now - window
    db.session.execute(
        update(ThrottleCounter).where(_where(scope, key))
        .values(count=case((expired, 1), else_=ThrottleCounter.count + 1),
                window_start=case((expired, now), else_=ThrottleCounter.window_start))
        .execution_options(synchronize_session=False))


def counted(scope: str, key: str, window: timedelta) -> int:
    """Events counted in the current window."""
    row = db.session.execute(select(ThrottleCounter.count, ThrottleCounter.window_start)
                             .where(_where(scope, key[:200]))).first()
    if row is None or row.window_start <= utcnow() - window:
        return 0
    return row.count


def pace(scope: str, key: str, every: timedelta) -> int:
    """Let one attempt through every `every`: 0 if this one may go (and is committed),
    else the seconds to wait. A slow-down, not a lock-out."""
    key = key[:200]
    _ensure_counter(scope, key)
    now = utcnow()
    result = db.session.execute(
        update(ThrottleCounter)
        .where(_where(scope, key), ThrottleCounter.last_at <= now - every)
        .values(last_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount == 1:
        return 0
    last = db.session.scalar(select(ThrottleCounter.last_at).where(_where(scope, key)))
    return max(1, math.ceil((last + every - utcnow()).total_seconds())) if last else 1


def reset(scope: str, key: str) -> None:
    db.session.execute(update(ThrottleCounter).where(_where(scope, key[:200]))
                       .values(count=0).execution_options(synchronize_session=False))


def _seconds_left(scope: str, key: str, window: timedelta) -> int:
    start = db.session.scalar(select(ThrottleCounter.window_start).where(_where(scope, key)))
    if start is None:
        return 1
    return max(1, math.ceil((start + window - utcnow()).total_seconds()))


def _maybe_prune() -> None:
    # Counters of usernames nobody uses any more are useless; clear them now and then.
    if random.random() < PRUNE_PROBABILITY:
        db.session.execute(delete(ThrottleCounter).where(
            ThrottleCounter.window_start < utcnow() - COUNTER_PRUNE_AFTER,
            ThrottleCounter.last_at < utcnow() - COUNTER_PRUNE_AFTER))
        db.session.commit()
