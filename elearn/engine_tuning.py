"""What every database engine of the app gets once made: the primary's (the app factory) and
the read replica's (`services/read_replica`). psycopg engines only: their connections make
cursors that run leading plain SELECTs outside a transaction (`psycopg_reads`) and describe a
result only when asked (`psycopg_description`)."""
from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import psycopg_description, psycopg_reads

INSTALLED = "elearn.engine_tuning"


@cache
def _cursor_class() -> type:
    return type("ElearnCursor", (psycopg_reads.mixin(), psycopg_description.cursor_class()), {})


def install(engine: Engine) -> None:
    if engine.dialect.driver != "psycopg" or getattr(engine.dialect, INSTALLED, False):
        return
    cursor_class = _cursor_class()

    @event.listens_for(engine, "connect")
    def _use_elearn_cursor(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.cursor_factory = cursor_class

    setattr(engine.dialect, INSTALLED, True)
