"""Dashboards and exports read from a streaming read replica (ELEARN_READ_REPLICA_URL).

Without the setting nothing changes: everything reads the primary. With it, a function
decorated `@on_replica` (or code inside `with reading_from_replica():`) sends its SELECTs to
the standby, so a province's officers exporting at once do not load the primary that
learners write to. Writes never go there (the session flushes to the primary), and only
read-only dashboard and export services are decorated: a learner's own pages, and every
write path, read the primary and see their own writes at once.

A replica that does not answer is skipped: the read falls back to the primary with a logged
warning, and is not asked again for `DOWN_RETRY_SECONDS` (so a dead host does not cost every
request a connection attempt). A replica that lags is still used; the dashboard then says
its figures are "as of" the replica's last replayed transaction (`stale_since`).
"""
from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, TypeVar

from flask import Flask, current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .. import engine_tuning
from ..read_routing import replica_engine

log = logging.getLogger(__name__)

EXTENSION = "elearn.read_replica"
DOWN_RETRY_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 2
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Replica:
    """The replica's engine, and when it last failed to answer (monotonic seconds)."""

    engine: Engine
    down_since: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    """Create the replica's engine when READ_REPLICA_URL is set (PostgreSQL only)."""
    url = app.config.get("READ_REPLICA_URL")
    if not url:
        return
    # Streaming replication is PostgreSQL's: a replica of anything else is a mistake to
    # report at start-up, not a silent read of some other database.
    for name, value in (("READ_REPLICA_URL", url),
                        ("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])):
        if make_url(value).get_backend_name() != "postgresql":
            raise ValueError(f"ELEARN_READ_REPLICA_URL needs PostgreSQL: ELEARN_{name} is "
                             f"{make_url(value).get_backend_name()}")
    engine = create_engine(url, pool_pre_ping=True, pool_recycle=1800,
                           connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    engine_tuning.install(engine)
    app.extensions[EXTENSION] = Replica(engine)


def _replica() -> Replica | None:
    return current_app.extensions.get(EXTENSION)


def _usable(replica: Replica) -> bool:
    """Whether the replica answers now; a failure is logged once and remembered a while."""
    if replica.down_since is not None and \
            time.monotonic() - replica.down_since < DOWN_RETRY_SECONDS:
        return False
    try:
        with replica.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        with replica.lock:
            if replica.down_since is None:
                log.warning("read replica unavailable, reading the primary: %s",
                            str(error).splitlines()[0])
            replica.down_since = time.monotonic()
        return False
    if replica.down_since is not None:
        log.warning("read replica answers again; dashboards and exports read it")
        replica.down_since = None
    return True


def _engine_for_reads() -> Engine | None:
    """The engine replica reads should use now, or None for the primary."""
    current = replica_engine.get()
    if current is not None:           # already inside a replica read: decided once
        return current
    replica = _replica()
    if replica is None or not _usable(replica):
        return None
    return replica.engine


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Inside the block, the session's reads go to the replica when one is set and answers."""
    token = replica_engine.set(_engine_for_reads())
    try:
        yield
    finally:
        replica_engine.reset(token)


def on_replica(function: F) -> F:
    """Run `function` reading from the replica. A generator function (a lazily streamed
    export) reads from it only while it runs, between its yields: the caller's own queries
    in between still go to the primary. The replica is chosen at its first step."""
    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def streamed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            rows = function(*args, **kwargs)
            engine: Engine | None = None
            decided = False
            try:
                while True:
                    if not decided:
                        engine, decided = _engine_for_reads(), True
                    token = replica_engine.set(engine)
                    try:
                        row = next(rows)
                    except StopIteration:
                        return
                    finally:
                        replica_engine.reset(token)
                    yield row
            finally:
                rows.close()    # a download stopped early frees its cursor now, not at GC
        return streamed  # type: ignore[return-value]

    @functools.wraps(function)
    def read(*args: Any, **kwargs: Any) -> Any:
        with reading_from_replica():
            return function(*args, **kwargs)
    return read  # type: ignore[return-value]


def stale_since() -> datetime | None:
    """When the replica lags the primary by more than READ_REPLICA_LAG_NOTICE_SECONDS: the
    time (UTC) of the last transaction it replayed, so a page can say "figures as of …".
    None without a replica, when it is down (reads go to the primary) or when it keeps up.

    Lag is measured by position, then time: a replica that has replayed everything the
    primary wrote is current however long ago the last commit was."""
    replica = _replica()
    if replica is None or replica.down_since is not None:
        return None
    try:
        # The insert position: with synchronous_commit off a commit's record can wait in the
        # WAL buffers, past pg_current_wal_lsn(), and the replica looked current without it.
        primary_lsn = db.session.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
        with replica.engine.connect() as connection:
            behind, replayed_at = connection.execute(text(
                "SELECT pg_wal_lsn_diff(CAST(:primary AS pg_lsn), pg_last_wal_replay_lsn()) > 0,"
                " pg_last_xact_replay_timestamp()"), {"primary": str(primary_lsn)}).one()
    except SQLAlchemyError as error:
        log.warning("read replica lag unknown: %s", str(error).splitlines()[0])
        return None
    if not behind or replayed_at is None:
        return None
    notice = float(current_app.config.get("READ_REPLICA_LAG_NOTICE_SECONDS", 5))
    if datetime.now(timezone.utc) - replayed_at <= timedelta(seconds=notice):
        return None
    return replayed_at.astimezone(timezone.utc)
