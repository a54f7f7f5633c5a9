"""Role grants and withdrawals are audited, and idempotent under concurrent duplicates: eight
identical requests at once through a real threaded server make one effect and one audit
entry, and nobody gets a 5xx — on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from elearn.extensions import db
from elearn.models import AuditEntry, Role, RoleGrant
from elearn.services import people_admin
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token, login

from elearn.testing import race, signed_in_tabs

PASSWORD = "mat-khau-dai"
RACERS = 8


@pytest.fixture
def people(app):
    with app.app_context():
        district = create_unit("A", "Huyện A", "district")
        create_unit("A-1", "Chi bộ A1", "cell", district)
        grant_role(create_user("qt.a", "Quản trị A", PASSWORD, district), Role.ADMIN, district)
        person = create_user("hoc.vien", "Học Viên", PASSWORD, district)
        grant = grant_role(person, Role.REVIEWER, district)
        db.session.commit()
        return {"person": person.id, "grant": grant.id}


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def grants_of(app, username: str) -> set[tuple[str, str]]:
    with app.app_context():
        return {(g.role, g.unit.code) for g in find_user(username).grants}


def test_withdrawing_a_role_writes_one_audit_entry(app, people):
    client = app.test_client()
    assert login(client, "qt.a", PASSWORD).status_code == 302
    token = csrf_token(client, f"/admin/people/{people['person']}")
    path = f"/admin/people/{people['person']}/roles/{people['grant']}/revoke"
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert grants_of(app, "hoc.vien") == set()
    [entry] = audit_entries(app, "role.revoked")
    with app.app_context():
        admin_id = find_user("qt.a").id
    assert entry.actor_id == admin_id and entry.subject == f"user:{people['person']}"
    assert '"role":"reviewer"' in entry.data and '"unit":"A"' in entry.data
    # The same request again (a double tap) finds nothing to withdraw: no second entry.
    assert client.post(path, data={"csrf_token": token}).status_code in (302, 404)
    assert len(audit_entries(app, "role.revoked")) == 1


def test_granting_a_role_writes_one_audit_entry_and_a_repeat_none(app, people):
    client = app.test_client()
    assert login(client, "qt.a", PASSWORD).status_code == 302
    token = csrf_token(client, f"/admin/people/{people['person']}")
    form = {"csrf_token": token, "role": "verifier", "unit_code": "A-1"}
    for _ in range(2):
        assert client.post(f"/admin/people/{people['person']}/roles",
                           data=form).status_code == 302
    assert ("verifier", "A-1") in grants_of(app, "hoc.vien")
    [entry] = audit_entries(app, "role.granted")
    assert '"role":"verifier"' in entry.data and '"unit":"A-1"' in entry.data


def test_an_admin_cannot_withdraw_their_own_admin_role(app, people):
    with app.app_context():
        admin = find_user("qt.a")
        own = admin.grants[0]
        with pytest.raises(people_admin.OwnAdminRole):
            people_admin.revoke_role(own, by=admin)
    assert grants_of(app, "qt.a") == {("admin", "A")}
    assert audit_entries(app, "role.revoked") == []


@pytest.fixture
def served(app, people, monkeypatch):
    # Hold each request between its audit-free checks and its write, so duplicates overlap.
    original = people_admin.revoke_role
    monkeypatch.setattr(people_admin, "revoke_role",
                        lambda *a, **k: (time.sleep(0.2), original(*a, **k))[1])
    original_grant = people_admin.grant_role
    monkeypatch.setattr(people_admin, "grant_role",
                        lambda *a, **k: (time.sleep(0.2), original_grant(*a, **k))[1])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_concurrent_duplicate_withdrawals_make_one_effect_and_one_entry(app, people, served):
    page = f"/admin/people/{people['person']}"
    tabs = signed_in_tabs(served, "qt.a", PASSWORD, page, RACERS)
    answers = race(tabs, f"{page}/roles/{people['grant']}/revoke", {})
    statuses = [status for status, _body in answers]
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(302) >= 1, statuses
    assert grants_of(app, "hoc.vien") == set()
    assert len(audit_entries(app, "role.revoked")) == 1


def test_concurrent_duplicate_grants_make_one_grant_and_one_entry(app, people, served):
    page = f"/admin/people/{people['person']}"
    tabs = signed_in_tabs(served, "qt.a", PASSWORD, page, RACERS)
    answers = race(tabs, f"{page}/roles", {"role": "verifier", "unit_code": "A-1"})
    statuses = [status for status, _body in answers]
    assert all(status < 500 for status in statuses), statuses
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RoleGrant).where(
            RoleGrant.role == "verifier")) == 1
    assert len(audit_entries(app, "role.granted")) == 1
