"""Issue #14, staff pages: inspections reachable from the menu for the roles that read them, and
unit levels shown translated (never the raw "cell") — on the demo, through the test client, on
both databases."""
from __future__ import annotations

import re
from datetime import date

import pytest

from elearn.clock import local_today
from elearn.extensions import db
from elearn.models import Inspection
from elearn.services.demo import DEMO_PASSWORD
from elearn.services.orgs import unit_by_code
from elearn.testing import login

MENU_LINK = 'href="/inspections/"'


@pytest.fixture
def demo(app):
    assert app.test_cli_runner().invoke(args=["elearn", "demo", "load"]).exit_code == 0
    with app.app_context():
        db.session.add(Inspection(committee_unit=unit_by_code("X-AP"),
                                  inspected_unit=unit_by_code("X-AP-CB1"),
                                  held_on=local_today(), scope="Việc thực hiện Chỉ thị 05"))
        db.session.commit()
    return app


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username, DEMO_PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("username", ["kiemtra", "tuyengiao", "bithu.anphu"])
def test_inspections_are_in_the_menu_of_those_who_read_them(demo, username):
    home = signed_in(demo, username).get("/").get_data(as_text=True)
    assert MENU_LINK in home and "Kiểm tra, giám sát" in home


@pytest.mark.parametrize("username", ["dangvien.an", "sinhvien.dung", "giangvien"])
def test_inspections_are_not_offered_to_those_who_cannot_open_them(demo, username):
    client = signed_in(demo, username)
    assert MENU_LINK not in client.get("/").get_data(as_text=True)
    assert client.get("/inspections/").status_code == 403


def test_the_summary_names_the_level_in_vietnamese(demo):
    page = signed_in(demo, "bithu.anphu").get(f"/inspections/?year={local_today().year}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<td>Chi bộ</td>" in html and "<td>cell</td>" not in html


def _person(app, username: str) -> tuple[int, int]:
    with app.app_context():
        from elearn.services.accounts import find_user
        person = find_user(username)
        return person.id, person.grants[0].id


def test_reset_password_and_withdraw_role_ask_first_without_javascript(demo):
    admin = signed_in(demo, "admin")
    pid, grant_id = _person(demo, "dangvien.an")
    person_page = admin.get(f"/admin/people/{pid}").get_data(as_text=True)
    # one tap on the person page only opens a question; it posts nothing
    assert f'action="/admin/people/{pid}/password"' not in person_page
    assert f'action="/admin/people/{pid}/roles/{grant_id}/revoke"' not in person_page
    assert f'href="/admin/people/{pid}/password"' in person_page
    assert "Học viên — Chi bộ ấp Phú Hòa" in person_page  # the role by name, not "learner"

    ask = admin.get(f"/admin/people/{pid}/password").get_data(as_text=True)
    assert "Đặt lại mật khẩu của Trần Thị Ân?" in ask
    assert f'action="/admin/people/{pid}/password"' in ask and 'name="request_key"' in ask
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', ask).group(1)
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', ask).group(1)
    reset = admin.post(f"/admin/people/{pid}/password",
                       data={"csrf_token": token, "request_key": key})
    temporary = re.search(r"<code>([^<]+)</code>", reset.get_data(as_text=True)).group(1)
    assert login(demo.test_client(), "dangvien.an", temporary).status_code == 302

    ask = admin.get(f"/admin/people/{pid}/roles/{grant_id}/revoke").get_data(as_text=True)
    assert "Rút vai trò Học viên của Trần Thị Ân tại Chi bộ ấp Phú Hòa?" in ask
    assert admin.post(f"/admin/people/{pid}/roles/{grant_id}/revoke",
                      data={"csrf_token": token}).status_code == 302
    assert admin.get(f"/admin/people/{pid}/roles/{grant_id}/revoke").status_code == 404


@pytest.mark.parametrize("username, page, inputs, in_scope, out_of_scope", [
    ("admin", "/admin/invitations/", 1, "X-AP-CB1", None),
    ("admin", "/admin/people/{pid}", 2, "H-HT", None),
    ("tuyengiao", "/plans/", 1, "X-AP", None),
    ("bithu.anphu", "/inspections/", 1, "X-AP-CB2", "H-HT"),
])
def test_unit_codes_are_picked_from_the_units_in_scope(demo, username, page, inputs, in_scope,
                                                       out_of_scope):
    pid, _grant = _person(demo, "dangvien.an")
    html = signed_in(demo, username).get(page.format(pid=pid)).get_data(as_text=True)
    assert html.count('list="unit-choices"') == inputs
    assert html.count('<datalist id="unit-choices">') == 1
    picker = html.split('<datalist id="unit-choices">')[1].split("</datalist>")[0]
    assert f'<option value="{in_scope}">' in picker
    if out_of_scope:
        assert f'value="{out_of_scope}"' not in picker


def test_exports_name_statuses_and_methods_in_vietnamese(demo):
    with demo.app_context():
        from elearn.registry import current_registry
        from elearn.services import completions
        from elearn.services.accounts import find_user
        completions.create(find_user("dangvien.an"), current_registry().course("cd-2016-toan-khoa"),
                           method="in_person", score=None)
        db.session.commit()
    officer = signed_in(demo, "tuyengiao")
    pledges = officer.get(f"/dashboard/export/pledges.csv?unit=T-DEMO&year={local_today().year}")
    text = pledges.get_data(as_text=True)
    assert pledges.status_code == 200 and "chưa viết" in text and "not_started" not in text
    completions = officer.get("/dashboard/export/completions.csv?unit=T-DEMO")
    text = completions.get_data(as_text=True)
    assert completions.status_code == 200
    assert "in_person" not in text and ",online," not in text
    assert "học trực tiếp tại lớp" in text


def test_the_menu_follows_a_role_granted_and_revoked_between_two_pages(demo):
    """The header reads the role names with the sign-in (one query); a grant or a revocation
    made elsewhere shows on the person's very next page, with the page behind it."""
    from elearn.models import Role, RoleGrant
    from elearn.services.accounts import find_user
    from elearn.services.people_admin import grant_role, revoke_role

    client = signed_in(demo, "dangvien.an")
    assert 'href="/dashboard/' not in client.get("/").get_data(as_text=True)
    with demo.app_context():
        grant_role(find_user("dangvien.an"), Role.OFFICER, unit_by_code("X-AP"),
                   by=find_user("admin"))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/dashboard/' in home and client.get("/dashboard/").status_code == 200
    with demo.app_context():
        grant = db.session.query(RoleGrant).filter_by(
            user_id=find_user("dangvien.an").id, role=Role.OFFICER.value).one()
        revoke_role(grant, by=find_user("admin"))
    assert 'href="/dashboard/' not in client.get("/").get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 403


def test_permission_checks_read_the_roles_and_units_loaded_with_the_sign_in(demo):
    """The sign-in look-up brings each role with the path of its unit, committee seats as
    reviewer (services/sessions.py): the same pairs as the grant and seat rows, so a scoped
    check on a staff page needs no further query. People holding roles on several units and
    seats are among those checked."""
    from sqlalchemy import event, select

    from elearn.models import CommitteeSeat, RoleGrant, Unit, User
    from elearn.security import has_role, held_roles
    from elearn.services.sessions import load_session, start_session

    with demo.app_context():
        holders = db.session.scalars(select(User).where(
            User.id.in_(select(RoleGrant.user_id)) | User.id.in_(select(CommitteeSeat.user_id))
        )).all()
        assert any(person.seats for person in holders)
        expected = {person.id: sorted((str(role), unit.path) for role, unit in held_roles(person))
                    for person in holders}
        tokens = {person.id: start_session(person) for person in holders}
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    for person_id, token in tokens.items():
        with demo.test_request_context("/"):
            user = load_session(token)
            assert sorted(user.request_held_paths) == expected[person_id]
            units = {path: db.session.scalar(select(Unit).where(Unit.path == path))
                     for _role, path in expected[person_id]}
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                for role, path in expected[person_id]:
                    assert has_role(user, role, units[path])
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
