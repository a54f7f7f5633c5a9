"""PostgreSQL: a plain SELECT that comes before a transaction's first write runs on its own,
outside a transaction; the transaction begins with the first statement that may write or lock.

psycopg opens a transaction with a round trip of its own (BEGIN) before a connection's first
statement, and the session ends it with another (COMMIT or ROLLBACK). A page that only reads
(the quiz's question page, a lesson, a verification look-up, a dashboard) paid two round
trips more than its SELECTs (four for the question page's two), each a wake-up of the worker
and of a PostgreSQL backend on a busy machine. ROLLBACK also made psycopg drop the
connection's prepared statements.

Nothing the app relies on changes. PostgreSQL's default isolation, READ COMMITTED, gives each
statement a snapshot of its own inside a transaction too, and SQLite (pysqlite's default
transaction handling) already begins only at the first INSERT, UPDATE or DELETE, so every
service is written and tested for this. What must stay inside the transaction does: a
locking read (FOR UPDATE / FOR SHARE), a transaction-scoped advisory lock or setting, any
statement that is not a SELECT (writes, DDL, SAVEPOINT, CTEs that may write), and everything
after the first of those. Server-side cursors (streamed exports) are psycopg's ServerCursor
and begin as before.

A write that is a whole unit of work in one statement (the quiz's autosave and start, each
written as one statement with data-modifying CTEs) is marked by the service with
`whole_unit(statement)`: with no transaction open it runs in autocommit too, a round trip
instead of three (BEGIN, the statement, COMMIT). It is atomic on its own, the session's
commit after it is a no-op, and inside an open transaction it simply joins it.

Installed on each engine by `engine_tuning` (the primary's and the read replica's), as a
mix-in of the engine's psycopg cursor class.
"""
from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any, TypeVar

# Words after which a SELECT locks rows or changes transaction-scoped state.
_KEEPS_TRANSACTION = re.compile(
    r"\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE|KEY\s+SHARE)\b|\bpg_advisory_xact|\bset_config\b",
    re.IGNORECASE)


# In the statement's text (SQLAlchemy compiles a statement once): seen in the server's log too.
WHOLE_UNIT = "/* whole unit */"

Statement = TypeVar("Statement")


def whole_unit(statement: Statement) -> Statement:
    """Mark a write that is a whole unit of work on its own (see the module's docstring); the
    caller commits right after it. Statements with a CTE carry the mark after it."""
    return statement.prefix_with(WHOLE_UNIT)  # type: ignore[attr-defined]


@lru_cache(maxsize=2048)
def runs_on_its_own(statement: str) -> bool:
    """True for a SELECT that neither locks nor sets anything for the transaction, or a
    statement marked `whole_unit`. (Statements repeat, compiled once by SQLAlchemy: the
    answer is kept per text.)"""
    return ((statement.lstrip()[:6].upper() == "SELECT"
             and _KEEPS_TRANSACTION.search(statement) is None)
            or WHOLE_UNIT in statement)


@cache
def mixin() -> type:
    """For a psycopg Cursor: run a plain SELECT (or a whole unit) in autocommit when no
    transaction is open.
    (Made on first use: psycopg is the postgres extra.)"""
    from psycopg.pq import TransactionStatus

    idle = TransactionStatus.IDLE

    class ReadsOutsideTransactionMixin:
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            connection = self.connection  # type: ignore[attr-defined]
            if (isinstance(query, str) and not connection.autocommit
                    and connection.pgconn.transaction_status == idle and runs_on_its_own(query)):
                connection.autocommit = True  # no round trip: psycopg only notes it
                try:
                    return super().execute(query, *args, **kwargs)  # type: ignore[misc]
                finally:
                    connection.autocommit = False
            return super().execute(query, *args, **kwargs)  # type: ignore[misc]

    return ReadsOutsideTransactionMixin
