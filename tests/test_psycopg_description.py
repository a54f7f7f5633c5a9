"""elearn.psycopg_description: on PostgreSQL a cursor's description is made only when read,
and reads the same as psycopg's own."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from elearn.extensions import db
from elearn.models import Unit
from elearn.services.orgs import create_unit

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def test_the_description_reads_as_psycopgs_own(app):
    import psycopg

    with app.app_context():
        raw = db.session.connection().connection.dbapi_connection
        cursor = raw.cursor()
        assert type(cursor) is not psycopg.Cursor  # the app's engine has the lazy cursor
        cursor.execute("SELECT 1 AS one, 'hai'::text AS two, now() AS three")
        described = cursor.description
        plain = psycopg.Cursor.description.fget(cursor)
        assert len(described) == 3 and bool(described)
        assert [column.name for column in described] == ["one", "two", "three"]
        assert described[-1].type_code == plain[-1].type_code
        assert [c.name for c in described[1:]] == ["two", "three"]
        assert [(c.name, c.type_code, c.internal_size) for c in described] == \
            [(c.name, c.type_code, c.internal_size) for c in plain]
        cursor.execute("SET LOCAL statement_timeout = 1000")  # no rows: no description
        assert cursor.description is None
        cursor.execute("SELECT")  # rows of no columns: empty, not None
        assert cursor.description is not None and len(cursor.description) == 0
        cursor.close()
        db.session.rollback()


def test_orm_core_and_text_results_come_back_whole(app):
    with app.app_context():
        create_unit("T", "Tỉnh thử", "province")
        db.session.commit()
        for _ in range(3):  # the first run builds the result's columns, the next reuse them
            assert db.session.scalar(select(Unit).where(Unit.code == "T")).name == "Tỉnh thử"
            row = db.session.execute(select(Unit.code, Unit.name)).one()
            assert row._mapping["name"] == "Tỉnh thử" and row.code == "T"
            mapping = db.session.execute(text("SELECT code AS c, name FROM units")).mappings().one()
            assert dict(mapping) == {"c": "T", "name": "Tỉnh thử"}
            db.session.rollback()
