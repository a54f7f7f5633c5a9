"""Schema only through Alembic: migrations give exactly the models' schema, on both backends."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from elearn.extensions import db


def schema_differences(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_produce_the_models_schema(app):
    assert schema_differences(app) == []


def test_migrations_downgrade_and_upgrade_cleanly(app):
    with app.app_context():
        downgrade(revision="base")
        assert "users" not in inspect(db.engine).get_table_names()
        upgrade()
        assert {"units", "users", "role_grants"} <= set(inspect(db.engine).get_table_names())
    assert schema_differences(app) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context(), db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    else:
        with app.app_context(), db.engine.connect() as connection:
            assert connection.dialect.name == "postgresql"
