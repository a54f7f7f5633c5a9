"""elearn.psycopg_reads: on PostgreSQL a plain SELECT before a transaction's first write runs
outside a transaction (no BEGIN and COMMIT round trips for a page that only reads); writes,
locking reads and everything after them stay in one transaction that commits or rolls back
whole."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from elearn.extensions import db
from elearn.models import Unit
from elearn.psycopg_reads import runs_on_its_own, whole_unit
from elearn.services.orgs import create_unit

on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def site(app):
    """The app with one committed unit, "Tỉnh thử" (code T)."""
    with app.app_context():
        create_unit("T", "Tỉnh thử", "province")
        db.session.commit()
    return app


def _names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Unit.name).order_by(Unit.code)))


def _transaction_open() -> bool:
    from psycopg.pq import TransactionStatus

    raw = db.session.connection().connection.dbapi_connection
    return raw.info.transaction_status != TransactionStatus.IDLE


@pytest.mark.parametrize("statement", [
    "SELECT units.id FROM units WHERE units.code = %(code)s",
    "  select 1",
    "WITH gone AS (DELETE FROM units RETURNING id) SELECT /* whole unit */ count(*) FROM gone",
    "SELECT formulas.for_update FROM formulas",  # words that only look like a lock
])
def test_a_plain_read_or_a_whole_unit_runs_on_its_own(statement):
    assert runs_on_its_own(statement)


@pytest.mark.parametrize("statement", [
    "SELECT units.id FROM units WHERE units.id = %(id)s FOR UPDATE",
    "SELECT units.id FROM units FOR NO KEY UPDATE SKIP LOCKED",
    "select id from units for share",
    "SELECT id FROM units FOR KEY SHARE",
    "SELECT pg_advisory_xact_lock(42)",
    "SELECT set_config('app.actor', '7', true)",
    "WITH gone AS (DELETE FROM units RETURNING id) SELECT count(*) FROM gone",
    "UPDATE units SET name = 'x'",
    "SAVEPOINT sa_1",
])
def test_what_keeps_its_transaction(statement):
    assert not runs_on_its_own(statement)


def test_a_rollback_still_undoes_every_kind_of_write(site):
    with site.app_context():
        # A read first (outside any transaction on PostgreSQL), then each kind of write.
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
        db.session.add(Unit(code="T-X", name="Thêm bằng ORM", level="district", path="/T/X/"))
        db.session.flush()
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 2  # its own write
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
        db.session.execute(update(Unit).values(name="Đổi bằng Core"))
        db.session.rollback()
        db.session.execute(text("UPDATE units SET name = 'Đổi bằng SQL'"))
        db.session.rollback()
        db.session.execute(text("  update units set name = 'chữ thường, có khoảng trắng'"))
        db.session.rollback()
    assert _names(site) == ["Tỉnh thử"]


@on_postgresql
def test_reads_open_no_transaction_and_the_first_write_does(site):
    with site.app_context():
        assert db.session.scalar(select(Unit.name)) == "Tỉnh thử"
        assert not _transaction_open()
        db.session.execute(update(Unit).values(name="Đang sửa"))
        assert _transaction_open()
        # After the first write, reads are in the transaction and see its change.
        assert db.session.scalar(select(Unit.name)) == "Đang sửa"
        db.session.commit()
        assert not _transaction_open()
    assert _names(site) == ["Đang sửa"]


@on_postgresql
def test_a_locking_read_holds_its_lock_until_the_transaction_ends(site):
    with site.app_context():
        unit = db.session.scalars(select(Unit).with_for_update()).one()
        assert _transaction_open()
        nowait = text("SELECT id FROM units WHERE id = :id FOR UPDATE NOWAIT")
        with db.engine.connect() as other:
            with pytest.raises(DBAPIError, match="could not obtain lock"):
                other.execute(nowait, {"id": unit.id})
            other.rollback()
            db.session.rollback()
            assert other.execute(nowait, {"id": unit.id}).scalar() == unit.id


@on_postgresql
def test_a_read_only_request_keeps_the_connections_prepared_statements(site):
    with site.app_context():
        # psycopg prepares a statement on its 6th run on a connection (a ROLLBACK would make
        # it forget them); each run here is a read-only request, ended as every request's is.
        for _ in range(7):
            assert db.session.scalar(select(Unit.name).where(Unit.code == "T")) == "Tỉnh thử"
            db.session.rollback()
        prepared = db.session.scalar(text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%units.code%'"))
        assert prepared == 1


@on_postgresql
def test_a_failed_statement_loses_nothing_saved_and_the_connection_goes_on(site):
    with site.app_context():
        with pytest.raises(DBAPIError):  # a failed read outside a transaction
            db.session.execute(text("SELECT 1 / 0"))
        db.session.rollback()
        db.session.execute(update(Unit).values(name="Không được lưu"))
        with pytest.raises(DBAPIError):  # a failed read inside one: all of it rolls back
            db.session.execute(text("SELECT 1 / 0"))
        db.session.rollback()
        assert db.session.scalar(select(Unit.name)) == "Tỉnh thử"
        db.session.rollback()
    assert _names(site) == ["Tỉnh thử"]


def _renamed(name: str):
    return whole_unit(update(Unit).values(name=name))


@on_postgresql
def test_a_whole_unit_write_runs_on_its_own_with_no_transaction_open(site):
    with site.app_context():
        assert db.session.scalar(select(Unit.name)) == "Tỉnh thử"
        db.session.execute(_renamed("Một câu lệnh"))
        assert not _transaction_open()  # already committed: nothing holds its row lock
        with db.engine.connect() as other:
            assert other.execute(select(Unit.name)).scalar() == "Một câu lệnh"
        db.session.commit()  # the service's commit after it: nothing left to send
    assert _names(site) == ["Một câu lệnh"]


@on_postgresql
def test_a_whole_unit_write_after_another_write_joins_its_transaction(site):
    with site.app_context():
        db.session.add(Unit(code="T-X", name="Thêm", level="district", path="/T/X/"))
        db.session.flush()
        db.session.execute(_renamed("Cùng giao dịch"))
        assert _transaction_open()
        db.session.rollback()  # both undone
    assert _names(site) == ["Tỉnh thử"]


def test_a_whole_unit_write_that_fails_saves_nothing(site):
    with site.app_context():
        db.session.add(Unit(code="T-X", name="Thêm", level="district", path="/T/X/"))
        db.session.commit()
        with pytest.raises(IntegrityError):  # the second row's new code collides
            db.session.execute(whole_unit(update(Unit).values(code="T")))
        db.session.rollback()
    assert _names(site) == ["Tỉnh thử", "Thêm"]
