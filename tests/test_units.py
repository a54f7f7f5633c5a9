"""The unit tree: generic levels, fast subtree queries, moves, CSV import, admin pages."""
from __future__ import annotations

from sqlalchemy import func, select, text

from elearn.extensions import db
from elearn.models import Role, Unit
from elearn.services import imports
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import create_unit, move_unit, subtree_of, unit_by_code, UnitError
from elearn.testing import csrf_token, login

import pytest

from kit import bulk_tree


def codes_under(root: Unit) -> set[str]:
    return set(db.session.scalars(select(Unit.code).where(subtree_of(root.path))))


def test_any_number_of_levels_and_subtrees_do_not_leak_into_lookalike_ids(app):
    with app.app_context():
        # A 2025-style tree (province → commune) and a college tree side by side.
        province = create_unit("T", "Tỉnh", "province")
        commune = create_unit("T-X1", "Xã 1", "commune", province)
        cell = create_unit("T-X1-C1", "Chi bộ 1", "cell", commune)
        college = create_unit("CD", "Trường Cao đẳng", "college")
        klass = create_unit("CD-K-L", "Lớp", "class", create_unit("CD-K", "Khoa", "faculty", college))
        db.session.commit()
        assert codes_under(province) == {"T", "T-X1", "T-X1-C1"}
        assert codes_under(college) == {"CD", "CD-K", "CD-K-L"}
        assert klass.depth == 2 and cell.depth == 2
        # Units whose ids share a prefix (/2/ and /20/…) must not be mixed up.
        for n in range(25):
            create_unit(f"EXTRA{n}", f"Đơn vị {n}", "cell", None)
        db.session.commit()
        second = db.session.get(Unit, 2)
        assert codes_under(second) == {u.code for u in db.session.scalars(
            select(Unit).where(Unit.path.like(f"{second.path}%")))}


def test_moving_a_unit_moves_its_whole_subtree_and_refuses_loops(app):
    with app.app_context():
        province = create_unit("T", "Tỉnh", "province")
        a = create_unit("A", "Huyện A", "district", province)
        b = create_unit("B", "Huyện B", "district", province)
        g = create_unit("A-G", "Xã", "grassroots", a)
        c = create_unit("A-G-C", "Chi bộ", "cell", g)
        db.session.commit()
        move_unit(g, b)
        db.session.commit()
        assert codes_under(unit_by_code("B")) == {"B", "A-G", "A-G-C"}
        assert codes_under(unit_by_code("A")) == {"A"}
        assert unit_by_code("A-G-C").path == f"{province.path}{b.id}/{g.id}/{c.id}/"
        with pytest.raises(UnitError):
            move_unit(unit_by_code("B"), unit_by_code("A-G-C"))


def test_subtree_query_uses_the_index_on_a_ten_thousand_unit_tree(app):
    with app.app_context():
        assert bulk_tree(districts=20, grassroots=25, cells=20) == 10_521
        district = unit_by_code("BIG-7")
        statement = select(func.count()).select_from(Unit).where(subtree_of(district.path))
        assert db.session.scalar(statement) == 1 + 25 + 25 * 20
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("ANALYZE"))
            plan = " ".join(str(row) for row in db.session.execute(
                text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "ix_units_path" in plan, plan
        else:
            db.session.execute(text("ANALYZE units"))
            plan = " ".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))
            assert "ix_units_path" in plan, plan


UNITS_CSV = """code,name,level,parent_code
X-1,Chi bộ Một,cell,G
G,Đảng bộ xã,grassroots,T
X-2,Chi bộ Hai,cell,G
"""


def count_units() -> int:
    return db.session.scalar(select(func.count()).select_from(Unit))


def test_units_import_is_idempotent_by_code_and_order_free(app):
    with app.app_context():
        create_unit("T", "Tỉnh", "province")
        db.session.commit()
        first = imports.import_units(UNITS_CSV, dry_run=False)
        assert first.ok and first.applied
        assert [row.action for row in first.rows] == ["create", "create", "create"]
        assert unit_by_code("X-1").parent.code == "G"
        again = imports.import_units(UNITS_CSV, dry_run=False)
        assert [row.action for row in again.rows] == ["unchanged"] * 3
        assert count_units() == 4
        renamed = imports.import_units(UNITS_CSV.replace("Chi bộ Hai", "Chi bộ Hai (mới)"),
                                       dry_run=False)
        assert [row.action for row in renamed.rows] == ["unchanged", "unchanged", "update"]
        assert unit_by_code("X-2").name == "Chi bộ Hai (mới)"


def test_units_import_reports_each_bad_row_by_line_and_changes_nothing(app):
    bad = UNITS_CSV + "bad code!,Tên,cell,G\nX-3,,cell,G\nX-4,Chi bộ Bốn,cell,NOWHERE\nX-1,Trùng,cell,G\n"
    with app.app_context():
        create_unit("T", "Tỉnh", "province")
        db.session.commit()
        for dry_run in (True, False):
            report = imports.import_units(bad, dry_run=dry_run)
            assert not report.applied
            assert [row.line for row in report.rows if row.errors] == [5, 6, 7, 8]
            assert count_units() == 1  # all-or-nothing: the good rows were not kept either
        dry = imports.import_units(UNITS_CSV, dry_run=True)
        assert dry.ok and not dry.applied and count_units() == 1


def test_units_import_cli_dry_run_and_real_run(app, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("\ufeff" + UNITS_CSV, encoding="utf-8")  # Excel's BOM is fine
    with app.app_context():
        create_unit("T", "Tỉnh", "province")
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["elearn", "units", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "line 3: G: create" in dry.output
    with app.app_context():
        assert count_units() == 1
    real = runner.invoke(args=["elearn", "units", "import", str(path)])
    assert real.exit_code == 0
    with app.app_context():
        assert count_units() == 4
    path.write_text("code,name\nX,Y\n", encoding="utf-8")
    broken = runner.invoke(args=["elearn", "units", "import", str(path)])
    assert broken.exit_code == 1 and "level" in broken.output


@pytest.fixture
def district_admin(app):
    with app.app_context():
        province = create_unit("T", "Tỉnh", "province")
        a = create_unit("A", "Huyện A", "district", province)
        create_unit("B", "Huyện B", "district", province)
        create_unit("A-1", "Xã A1", "grassroots", a)
        grant_role(create_user("qt.a", "Quản trị A", "mat-khau-dai", a), Role.ADMIN, a)
        db.session.commit()
    client = app.test_client()
    login(client, "qt.a", "mat-khau-dai")
    return client


def test_admin_creates_renames_and_moves_units_in_their_scope(app, district_admin):
    client = district_admin
    token = csrf_token(client, "/admin/units/")
    created = client.post("/admin/units/", data={"csrf_token": token, "code": "A-2",
                                                 "name": "Xã A2", "level": "grassroots",
                                                 "parent_code": "A"})
    assert created.status_code == 302
    listing = client.get("/admin/units/").get_data(as_text=True)
    assert "Xã A2" in listing and "Huyện B" not in listing  # only their own subtree
    with app.app_context():
        a2, a1 = unit_by_code("A-2").id, unit_by_code("A-1").id
    moved = client.post(f"/admin/units/{a2}", data={
        "csrf_token": token, "name": "Xã A2 mới", "level": "grassroots", "parent_code": "A-1"})
    assert moved.status_code == 302
    with app.app_context():
        unit = unit_by_code("A-2")
        assert unit.name == "Xã A2 mới" and unit.parent_id == a1
    # Out of scope: another district's unit cannot be seen, nor used as a new parent.
    with app.app_context():
        b = unit_by_code("B").id
    assert client.get(f"/admin/units/{b}").status_code == 403
    refused = client.post(f"/admin/units/{a2}", data={
        "csrf_token": token, "name": "Xã A2", "level": "grassroots", "parent_code": "B"})
    assert refused.status_code == 400
    with app.app_context():
        assert unit_by_code("A-2").parent_id == a1


def test_admin_web_import_is_limited_to_their_scope(app, district_admin):
    from io import BytesIO

    token = csrf_token(district_admin, "/admin/units/import")
    csv_text = "code,name,level,parent_code\nA-9,Xã A9,grassroots,A\nB-9,Xã B9,grassroots,B\n"
    response = district_admin.post("/admin/units/import", data={
        "csrf_token": token, "file": (BytesIO(csv_text.encode()), "units.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "B-9" in page
    with app.app_context():
        assert unit_by_code("A-9") is None and unit_by_code("B-9") is None
