"""Admin pages for people: edit and move, roles, password reset, invitations, CSV import —
always inside the admin's own subtree."""
from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import Invitation, Role
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit, unit_by_code
from elearn.testing import csrf_token, job_id_from, login, run_queued_jobs


PASSWORD = "mat-khau-dai"


@pytest.fixture
def admin(app):
    with app.app_context():
        province = create_unit("T", "Tỉnh", "province")
        a, b = (create_unit(code, f"Huyện {code}", "district", province) for code in "AB")
        create_unit("A-1", "Chi bộ A1", "cell", a)
        create_unit("A-2", "Chi bộ A2", "cell", a)
        create_unit("B-1", "Chi bộ B1", "cell", b)
        grant_role(create_user("qt.a", "Quản trị A", PASSWORD, a), Role.ADMIN, a)
        create_user("hoc.vien", "Học Viên", PASSWORD, unit_by_code("A-1"), position="Đảng viên")
        create_user("nguoi.b", "Người B", PASSWORD, unit_by_code("B-1"))
        db.session.commit()
    client = app.test_client()
    login(client, "qt.a", PASSWORD)
    return client


def person_id(app, username):
    with app.app_context():
        return find_user(username).id


def test_people_list_shows_only_the_admins_subtree(app, admin):
    page = admin.get("/admin/people/").get_data(as_text=True)
    assert "Học Viên" in page and "Người B" not in page
    assert "Học Viên" in admin.get("/admin/people/?q=A-1").get_data(as_text=True)


def test_admin_moves_a_person_and_the_history_shows_both_units(app, admin):
    pid = person_id(app, "hoc.vien")
    token = csrf_token(admin, f"/admin/people/{pid}")
    response = admin.post(f"/admin/people/{pid}", data={
        "csrf_token": token, "full_name": "Học Viên", "unit_code": "A-2",
        "position": "Bí thư chi bộ", "audience": "cadre", "is_party_member": "y",
        "email": "", "phone": "", "active": "y"})
    assert response.status_code == 302
    page = admin.get(f"/admin/people/{pid}").get_data(as_text=True)
    assert "Chi bộ A1" in page and "Chi bộ A2" in page
    # Moving someone out of the admin's subtree is refused and changes nothing.
    refused = admin.post(f"/admin/people/{pid}", data={
        "csrf_token": token, "full_name": "Đổi Tên", "unit_code": "B-1", "position": "",
        "audience": "cadre", "active": "y"})
    assert refused.status_code == 400
    with app.app_context():
        person = find_user("hoc.vien")
        assert person.unit.code == "A-2" and person.full_name == "Học Viên"


def test_admin_grants_and_withdraws_roles_only_on_units_they_manage(app, admin):
    pid = person_id(app, "hoc.vien")
    token = csrf_token(admin, f"/admin/people/{pid}")
    granted = admin.post(f"/admin/people/{pid}/roles", data={
        "csrf_token": token, "role": "reviewer", "unit_code": "A-1"})
    assert granted.status_code == 302
    refused = admin.post(f"/admin/people/{pid}/roles", data={
        "csrf_token": token, "role": "admin", "unit_code": "T"})
    assert refused.status_code == 400
    with app.app_context():
        grants = {(g.role, g.unit.code): g.id for g in find_user("hoc.vien").grants}
    assert set(grants) == {("reviewer", "A-1")}
    withdrawn = admin.post(f"/admin/people/{pid}/roles/{grants[('reviewer', 'A-1')]}/revoke",
                           data={"csrf_token": token})
    assert withdrawn.status_code == 302
    with app.app_context():
        assert find_user("hoc.vien").grants == []


def test_password_reset_shows_a_one_time_password_and_ends_sessions(app, admin):
    learner = app.test_client()
    login(learner, "hoc.vien", PASSWORD)
    pid = person_id(app, "hoc.vien")
    page = admin.post(f"/admin/people/{pid}/password",
                      data={"csrf_token": csrf_token(admin, f"/admin/people/{pid}")})
    html = page.get_data(as_text=True)
    temporary = html.split("<code>")[1].split("</code>")[0]
    assert learner.get("/profile/").status_code == 302  # signed out
    fresh = app.test_client()
    assert login(fresh, "hoc.vien", temporary).headers["Location"] == "/profile/password"


def test_admin_creates_and_withdraws_invitations_in_scope(app, admin):
    token = csrf_token(admin, "/admin/invitations/")
    created = admin.post("/admin/invitations/", data={
        "csrf_token": token, "unit_code": "A-1", "audience": "cadre", "max_uses": 25, "days": 14})
    assert created.status_code == 201
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert (invitation.unit.code, invitation.max_uses) == ("A-1", 25)
    assert invitation.code in created.get_data(as_text=True)
    outside = admin.post("/admin/invitations/", data={
        "csrf_token": token, "unit_code": "B-1", "audience": "cadre", "max_uses": 5, "days": 5})
    assert outside.status_code == 400
    admin.post(f"/admin/invitations/{invitation.id}/revoke", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Invitation, invitation.id).revoked_at is not None


def test_web_people_import_dry_run_then_real_run(app, admin):
    csv_text = ("full_name,unit_code,position,type,email,phone\n"
                "Lý Thị Mai,A-1,Đảng viên,party_member,mai@example.vn,\n")

    def upload(dry_run: bool):
        data = {"csrf_token": csrf_token(admin, "/admin/people/import"),
                "file": (BytesIO(csv_text.encode()), "people.csv")}
        if dry_run:
            data["dry_run"] = "y"
        return admin.post("/admin/people/import", data=data, content_type="multipart/form-data")

    checked = job_id_from(upload(dry_run=True))
    run_queued_jobs(app)
    page = admin.get(f"/jobs/{checked}").get_data(as_text=True)
    assert "Lý Thị Mai (mai)" in page and "Mật khẩu tạm" not in page
    with app.app_context():
        assert find_user("mai") is None
    done = job_id_from(upload(dry_run=False))
    run_queued_jobs(app)
    assert "Mật khẩu tạm" in admin.get(f"/jobs/{done}").get_data(as_text=True)
    with app.app_context():
        assert find_user("mai").unit.code == "A-1"


def test_moving_a_person_onto_someone_elses_email_is_refused_not_an_error(app, admin):
    """The move's UPDATE flushes the new e-mail first: the clash is still a clear 409."""
    with app.app_context():
        find_user("qt.a").email = "qt.a@example.org"
        db.session.commit()
    pid = person_id(app, "hoc.vien")
    token = csrf_token(admin, f"/admin/people/{pid}")
    response = admin.post(f"/admin/people/{pid}", data={
        "csrf_token": token, "full_name": "Học Viên", "unit_code": "A-2", "position": "",
        "audience": "cadre", "email": "qt.a@example.org", "phone": "", "active": "y"})
    assert response.status_code == 409
    with app.app_context():
        person = find_user("hoc.vien")
        assert person.unit.code == "A-1" and person.email is None
