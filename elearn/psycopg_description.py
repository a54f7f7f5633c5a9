"""PostgreSQL: a cursor whose `description` is built only when something reads it.

psycopg builds a `Column` object for every column of a result each time `description` is
read, and SQLAlchemy reads it after every statement only to see whether rows came back: for
a statement it has run before, the result's columns are already known from the compiled
statement. A quiz request reads ~45 columns (the sign-in look-up alone is ~22), so that was
~45 objects, type look-ups and name decodings per request for nothing (bench/profile_routes.py
quiz on PostgreSQL). Here `description` says the same (None, or a sequence of the same
length), and makes psycopg's own list on first use of an item.

Used on each engine by `engine_tuning` (the primary's and the read replica's).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any


class _Description(Sequence):
    """psycopg's description of one result, made when an item is first read."""

    __slots__ = ("_cursor", "_length", "_columns")

    def __init__(self, cursor: Any, length: int) -> None:
        self._cursor, self._length, self._columns = cursor, length, None

    def _made(self) -> list:
        if self._columns is None:
            # SQLAlchemy runs each statement on a cursor of its own and reads the description
            # before anything else runs there: the cursor still holds this result.
            self._columns = _PLAIN_DESCRIPTION(self._cursor) or []
        return self._columns

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        return self._made()[index]

    def __iter__(self) -> Iterator:
        return iter(self._made())

    def __repr__(self) -> str:
        return repr(self._made())


_PLAIN_DESCRIPTION: Any = None


@cache
def cursor_class() -> Any:
    """psycopg's Cursor with the lazy description (psycopg, the postgres extra, imported
    on first use)."""
    global _PLAIN_DESCRIPTION
    import psycopg  # the postgres extra
    from psycopg import pq

    _PLAIN_DESCRIPTION = psycopg.Cursor.description.fget
    with_rows = {pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE}
    if hasattr(pq.ExecStatus, "TUPLES_CHUNK"):  # psycopg 3.2
        with_rows.add(pq.ExecStatus.TUPLES_CHUNK)

    class LazyDescriptionCursor(psycopg.Cursor):
        @property
        def description(self) -> Sequence | None:
            # psycopg's own test: columns, or a statement that said it returned rows
            result = self.pgresult
            if result and (result.nfields or result.status in with_rows):
                return _Description(self, result.nfields)
            return None

    return LazyDescriptionCursor

