"""elearn.read_only_commit: on PostgreSQL a transaction that only read ends with COMMIT (so
psycopg keeps the connection's prepared statements); anything that wrote still rolls back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from elearn.extensions import db
from elearn.models import Unit
from elearn.services.orgs import create_unit


def _names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Unit.name).order_by(Unit.code)))


def test_a_rollback_still_undoes_every_kind_of_write(app):
    with app.app_context():
        create_unit("T", "Tỉnh thử", "province")
        db.session.commit()
        # A read first (the transaction starts read-only), then each kind of write.
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
        db.session.add(Unit(code="T-X", name="Thêm bằng ORM", level="district", path="/T/X/"))
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
        db.session.execute(update(Unit).values(name="Đổi bằng Core"))
        db.session.rollback()
        db.session.execute(text("UPDATE units SET name = 'Đổi bằng SQL'"))
        db.session.rollback()
        db.session.execute(text("  update units set name = 'chữ thường, có khoảng trắng'"))
        db.session.rollback()
    assert _names(app) == ["Tỉnh thử"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_read_only_transaction_keeps_the_connections_prepared_statements(app):
    with app.app_context():
        create_unit("T", "Tỉnh thử", "province")
        db.session.commit()
        # psycopg prepares a statement on its 6th run on a connection; each run here is a
        # request's read-only transaction, ended as every request's is (a rollback).
        for _ in range(7):
            assert db.session.scalar(select(Unit.name).where(Unit.code == "T")) == "Tỉnh thử"
            db.session.rollback()
        prepared = db.session.scalar(text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%units.code%'"))
        assert prepared == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_transaction_in_error_rolls_back_and_the_connection_goes_on(app):
    with app.app_context():
        create_unit("T", "Tỉnh thử", "province")
        db.session.commit()
        db.session.execute(update(Unit).values(name="Không được lưu"))
        with pytest.raises(DBAPIError):
            db.session.execute(text("SELECT 1 / 0"))
        db.session.rollback()
        assert db.session.scalar(select(Unit.name)) == "Tỉnh thử"
        db.session.rollback()
    assert _names(app) == ["Tỉnh thử"]
