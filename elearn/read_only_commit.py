"""PostgreSQL: a transaction that only read ends with COMMIT, not ROLLBACK.

psycopg 3 forgets a connection's prepared statements on every ROLLBACK (it also sends
DEALLOCATE ALL: one more round trip). Every request's session ends with a rollback
(Flask-SQLAlchemy removes it at teardown), so on PostgreSQL each page that only read threw
away the plans of the statements every request runs (the session check, the quiz attempt)
before psycopg had seen them the 5 times it waits before preparing one. A transaction that
ran nothing but SELECTs ends the same with COMMIT as with ROLLBACK: it changed nothing, and
both release its locks. Anything else (a write, DDL, a text statement that is not a SELECT,
a transaction in error) still rolls back.

Installed on each engine by `engine_tuning` (the primary's and the read replica's).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# In the pool record's info (one per DBAPI connection): this transaction ran a statement that
# is not a SELECT. Cleared when the transaction ends.
WROTE = "elearn.transaction_wrote"
INSTALLED = "elearn.read_only_commit"


def install(engine: Engine) -> None:
    """Make `engine`'s rollbacks of read-only transactions commits (psycopg only)."""
    dialect = engine.dialect
    if dialect.driver != "psycopg" or getattr(dialect, INSTALLED, False):
        return
    from psycopg.pq import TransactionStatus  # the postgres extra

    rollback = dialect.do_rollback
    commit = dialect.do_commit

    def do_rollback(connection: Any) -> None:
        # `connection` is the pool's proxy: .info is its record's, as the event below sees it
        # (None on the engine's first connect, which only rolls back).
        info = _info(connection)
        wrote = info is None or info.pop(WROTE, False)
        if wrote or connection.dbapi_connection.info.transaction_status \
                != TransactionStatus.INTRANS:
            rollback(connection)
        else:
            commit(connection)

    def do_commit(connection: Any) -> None:
        info = _info(connection)
        if info is not None:
            info.pop(WROTE, None)
        commit(connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    event.listen(engine, "before_cursor_execute", _note_write)
    setattr(dialect, INSTALLED, True)


def _info(connection: Any) -> dict | None:
    try:
        return connection.info
    except NotImplementedError:  # an ad-hoc proxy outside the pool
        return None


def _note_write(connection, _cursor, statement: str, _parameters, _context,
                _executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[WROTE] = True
