"""What every database engine of the app gets once made: the primary's (the app factory) and
the read replica's (`services/read_replica`). Both changes apply to psycopg engines only."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from . import psycopg_description, read_only_commit


def install(engine: Engine) -> None:
    read_only_commit.install(engine)  # a transaction that only read ends with COMMIT
    psycopg_description.install(engine)  # cursors describe a result only when asked
