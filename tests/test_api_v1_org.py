"""API v1 for centres and officers: record and revoke completions, units and people synced by
external id, a unit's pledge status and figures, and the public catalogue. On SQLite and
PostgreSQL; the idempotent writes also through a real server with concurrent duplicates."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from elearn.clock import local_today
from elearn.extensions import db
from elearn.models import (
    AuditEntry, Completion, Notification, Revocation, Role, RoleGrant, Unit, User,
)
from elearn.services import codes, sync
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import unit_by_code
from elearn.testing import Browser, csrf_token, login, serve
from kit import CENTRE_COURSE, PASSWORD, complete

UNIT = {"code": "H-C2", "name": "Chi bộ Mới", "level": "cell", "parent": "H"}
PERSON = {"username": "dong.bo", "full_name": "Lê Văn Đồng Bộ", "unit": "H-C1",
          "position": "Đảng viên", "email": "dong.bo@example.vn"}


@pytest.fixture
def site(centre):
    """The centre (verifier `ttct` on district H) with an administrator and an officer of H,
    and a reviewer sitting nowhere but granted on H."""
    with centre.app_context():
        district = unit_by_code("H")
        grant_role(create_user("qt.h", "Quản Trị Huyện", PASSWORD, district), Role.ADMIN, district)
        grant_role(create_user("cb.h", "Cán Bộ Huyện", PASSWORD, district), Role.OFFICER,
                   district)
        grant_role(create_user("kt.h", "Kiểm Tra Huyện", PASSWORD, district), Role.INSPECTOR,
                   district)
        db.session.commit()
    return centre


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client, {"X-CSRFToken": csrf_token(client, "/")}


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEntry.id))
                                 .where(AuditEntry.action == action))


def test_catalogue_is_public_and_in_the_callers_language(site):
    client = site.test_client()
    answer = client.get("/api/v1/catalogue?per_page=1")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["total"] >= 1 and len(body["items"]) == 1
    first = body["items"][0]["title"]
    with site.app_context():
        from elearn.registry import current_registry
        course = current_registry().course(body["items"][0]["slug"])
        assert first == course.title.get("vi")
        english = course.title.get("en")
    client.set_cookie("lang", "en")
    assert client.get("/api/v1/catalogue?per_page=1").get_json()["items"][0]["title"] == english
    refused = client.get("/api/v1/catalogue?per_page=101")
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["title"] == "Invalid parameters"


def test_recording_in_person_once_and_within_scope(site):
    client, headers = signed_in(site, "ttct")
    body = {"username": "hoc.vien", "course": CENTRE_COURSE,
            "completed_on": local_today().isoformat(), "score": 85, "note": "Lớp tháng 12"}
    first = client.post("/api/v1/completions", json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/v1/completions", json=body, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["code"] == first.get_json()["code"]
    assert first.get_json()["method"] == "in_person" and first.get_json()["unit"] == "H-C1"
    with site.app_context():
        assert db.session.scalar(select(func.count(Completion.id))) == 1
    # Outside the verifier's units: not found, in Vietnamese by default.
    outside = client.post("/api/v1/completions", json={**body, "username": "ban.ngoai"},
                          headers=headers)
    assert outside.status_code == 404
    assert outside.get_json()["detail"] == ("Không có ai với tên đăng nhập này trong các "
                                            "đơn vị bạn xác nhận.")
    future = (local_today() + timedelta(days=2)).isoformat()
    assert client.post("/api/v1/completions", json={**body, "completed_on": future},
                       headers=headers).status_code == 422
    assert client.post("/api/v1/completions", json={**body, "score": 101},
                       headers=headers).status_code == 422
    # Without the CSRF header a browser session's write is refused.
    assert client.post("/api/v1/completions", json=body).status_code == 400
    learner, learner_headers = signed_in(site, "hoc.vien")
    assert learner.post("/api/v1/completions", json=body,
                        headers=learner_headers).status_code == 403


def test_an_idempotency_key_answers_the_first_completion_even_after_a_revocation(site):
    client, headers = signed_in(site, "ttct")
    body = {"username": "hoc.vien", "course": CENTRE_COURSE,
            "completed_on": local_today().isoformat()}
    keyed = {**headers, "Idempotency-Key": "lan-gui-1"}
    first = client.post("/api/v1/completions", json=body, headers=keyed)
    assert first.status_code == 201
    code = first.get_json()["code"]
    assert client.post(f"/api/v1/completions/{code}/revoke", json={"reason": "Ghi nhầm lớp"},
                       headers=headers).status_code == 200
    retried = client.post("/api/v1/completions", json=body, headers=keyed)
    assert retried.status_code == 200 and retried.get_json()["code"] == code
    assert retried.get_json()["status"] == "revoked"
    fresh = client.post("/api/v1/completions", json=body,
                        headers={**headers, "Idempotency-Key": "lan-gui-2"})
    assert fresh.status_code == 201 and fresh.get_json()["code"] != code
    with site.app_context():
        assert db.session.scalar(select(func.count(Completion.id))) == 2


def test_revoking_needs_a_reason_and_happens_once(site):
    with site.app_context():
        code = codes.display(complete("hoc.vien").code)
        outside = codes.display(complete("ban.ngoai").code)
    client, headers = signed_in(site, "ttct")
    short = client.post(f"/api/v1/completions/{code}/revoke", json={"reason": "x"},
                        headers=headers)
    assert short.status_code == 422 and "reason" in short.get_json()["errors"]["json"]
    for _ in range(2):
        answer = client.post(f"/api/v1/completions/{code}/revoke",
                             json={"reason": "Ghi nhầm lớp học"}, headers=headers)
        assert answer.status_code == 200
        assert answer.get_json()["status"] == "revoked" and answer.get_json()["revoked"]
    with site.app_context():
        assert db.session.scalar(select(func.count(Revocation.id))) == 1
    assert client.post(f"/api/v1/completions/{outside}/revoke", json={"reason": "Ghi nhầm"},
                       headers=headers).status_code == 403
    assert client.post("/api/v1/completions/KHONG-CO/revoke", json={"reason": "Ghi nhầm"},
                       headers=headers).status_code == 404


def test_units_sync_by_external_id(site):
    client, headers = signed_in(site, "qt.h")
    first = client.put("/api/v1/units/dv-102", json=UNIT, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json() == {**UNIT, "external_id": "dv-102", "active": True}
    assert client.put("/api/v1/units/dv-102", json=UNIT, headers=headers).status_code == 200
    assert audit_count(site, "unit.synced") == 1
    renamed = client.put("/api/v1/units/dv-102", json={**UNIT, "name": "Chi bộ Đổi Tên"},
                         headers=headers)
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Chi bộ Đổi Tên"
    assert audit_count(site, "unit.synced") == 2
    # Under a parent outside the administrator's subtree: refused, nothing made.
    outside = client.put("/api/v1/units/dv-103", json={**UNIT, "code": "K-C9", "parent": "K"},
                         headers=headers)
    assert outside.status_code == 403
    taken = client.put("/api/v1/units/dv-104", json={**UNIT, "code": "H-C1"}, headers=headers)
    assert taken.status_code == 409 and taken.get_json()["title"] == "Xung đột"
    bad = client.put("/api/v1/units/dv 105", json=UNIT, headers=headers)
    assert bad.status_code == 422
    with site.app_context():
        assert unit_by_code("K-C9") is None
    # Deactivate: kept, inactive; again is no second change.
    for _ in range(2):
        gone = client.delete("/api/v1/units/dv-102", headers=headers)
        assert gone.status_code == 200 and gone.get_json()["active"] is False
    assert audit_count(site, "unit.deactivated") == 1
    with site.app_context():
        assert unit_by_code("H-C2") is not None
        cell = unit_by_code("H-C1")
        cell.external_id = "dv-101"
        db.session.commit()
    busy = client.delete("/api/v1/units/dv-101", headers=headers)
    assert busy.status_code == 409
    assert client.delete("/api/v1/units/khong-co", headers=headers).status_code == 404
    verifier, verifier_headers = signed_in(site, "ttct")
    assert verifier.put("/api/v1/units/dv-106", json=UNIT,
                        headers=verifier_headers).status_code == 403


def test_people_sync_never_grants_roles_and_keeps_completions(site):
    client, headers = signed_in(site, "qt.h")
    first = client.put("/api/v1/people/dv-7", json=PERSON, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["unit"] == "H-C1" and first.get_json()["active"] is True
    assert client.put("/api/v1/people/dv-7", json=PERSON, headers=headers).status_code == 200
    assert audit_count(site, "person.synced") == 1
    moved = client.put("/api/v1/people/dv-7", json={**PERSON, "unit": "H"}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["unit"] == "H"
    with site.app_context():
        person = find_user("dong.bo")
        assert person.must_change_password and person.email == "dong.bo@example.vn"
        assert db.session.scalar(select(func.count(RoleGrant.id))
                                 .where(RoleGrant.user_id == person.id)) == 0
        complete("dong.bo")
    for _ in range(2):
        gone = client.delete("/api/v1/people/dv-7", headers=headers)
        assert gone.status_code == 200 and gone.get_json()["active"] is False
    assert audit_count(site, "person.deactivated") == 1
    with site.app_context():
        person = find_user("dong.bo")
        assert not person.active
        assert db.session.scalar(select(func.count(Completion.id))
                                 .where(Completion.user_id == person.id)) == 1
    # Sent again, the person is active again.
    back = client.put("/api/v1/people/dv-7", json={**PERSON, "unit": "H"}, headers=headers)
    assert back.status_code == 200 and back.get_json()["active"] is True
    # Someone else's username, someone outside the subtree.
    taken = client.put("/api/v1/people/dv-8", json={**PERSON, "username": "hoc.vien",
                                                    "email": None}, headers=headers)
    assert taken.status_code == 409
    outside = client.put("/api/v1/people/dv-9", json={**PERSON, "username": "ngoai.vung",
                                                      "unit": "K-C1", "email": None},
                         headers=headers)
    assert outside.status_code == 403
    with site.app_context():
        assert find_user("ngoai.vung") is None
        stranger = find_user("ban.ngoai")
        db.session.add(sync.PersonIdentifier(user_id=stranger.id, kind=sync.EXTERNAL,
                                             value="dv-10"))
        db.session.commit()
    assert client.put("/api/v1/people/dv-10", json={**PERSON, "username": "ban.ngoai",
                                                    "email": None},
                      headers=headers).status_code == 403
    assert client.delete("/api/v1/people/dv-10", headers=headers).status_code == 403
    bad_email = client.put("/api/v1/people/dv-12", json={**PERSON, "email": "khong-phai-email"},
                           headers=headers)
    assert bad_email.status_code == 422 and "email" in bad_email.get_json()["errors"]["json"]
    english = client.put("/api/v1/people/dv-11", json={"username": "x"},
                         headers={**headers, "Accept-Language": "en"})
    assert english.status_code == 422 and english.mimetype == "application/problem+json"


def test_pledge_status_and_figures_per_unit(site):
    with site.app_context():
        complete("hoc.vien")
    officer, _ = signed_in(site, "cb.h")
    report = officer.get("/api/v1/units/H/report")
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["unit"] == "H" and body["total"]["completed"] == 1
    cell = next(item for item in body["items"] if item["unit"] == "H-C1")
    assert cell["people"] == 1 and cell["completed"] == 1
    assert officer.get("/api/v1/units/K/report").status_code == 403
    assert officer.get("/api/v1/units/H/report?course=khong-co").status_code == 404
    assert officer.get("/api/v1/units/H/pledges").status_code == 403
    inspector, _ = signed_in(site, "kt.h")
    pledges = inspector.get("/api/v1/units/H-C1/pledges?per_page=1")
    assert pledges.status_code == 200
    body = pledges.get_json()
    assert body["counts"] == {"not_started": 1} and body["total"] == 1
    assert body["items"][0]["username"] == "hoc.vien"
    assert body["items"][0]["status_label"] == "Chưa bắt đầu"
    assert inspector.get("/api/v1/units/K-C1/pledges").status_code == 403


def _at_once(count: int, send) -> list:
    barrier, answers = threading.Barrier(count), []

    def one() -> None:
        barrier.wait()
        answers.append(send())

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == count, "a racing request did not finish"
    return answers


def _tab(base: str, username: str) -> tuple[Browser, dict[str, str]]:
    tab = Browser(base)
    tab.login(username, PASSWORD)
    return tab, {"X-CSRFToken": tab.csrf("/")}


def test_concurrent_duplicates_have_one_effect_through_a_real_server(site):
    with site.app_context():
        code = codes.display(complete("hoc.vien").code)
    with serve(site) as base:
        admin, admin_headers = _tab(base, "qt.h")
        verifier, verifier_headers = _tab(base, "ttct")
        people = _at_once(8, lambda: admin.open("PUT", "/api/v1/people/dv-20", json=PERSON,
                                                headers=admin_headers))
        units = _at_once(8, lambda: admin.open("PUT", "/api/v1/units/dv-21", json=UNIT,
                                               headers=admin_headers))
        revokes = _at_once(8, lambda: verifier.open(
            "POST", f"/api/v1/completions/{code}/revoke", json={"reason": "Ghi nhầm lớp"},
            headers=verifier_headers))
        records = _at_once(8, lambda: verifier.open(
            "POST", "/api/v1/completions", json={
                "username": "hoc.vien", "course": CENTRE_COURSE,
                "completed_on": local_today().isoformat()},
            headers={**verifier_headers, "Idempotency-Key": "mot-lan"}))
    for answers in (people, units):
        statuses = sorted(answer.status for answer in answers)
        assert statuses == [200] * 7 + [201], [a.text for a in answers if a.status >= 300]
    assert [answer.status for answer in revokes] == [200] * 8
    assert sorted(answer.status for answer in records) == [200] * 7 + [201]
    assert audit_count(site, "person.synced") == 1
    assert audit_count(site, "unit.synced") == 1
    assert audit_count(site, "completion.revoked") == 1
    with site.app_context():
        assert db.session.scalar(select(func.count(User.id))
                                 .where(User.username == "dong.bo")) == 1
        assert db.session.scalar(select(func.count(Unit.id))
                                 .where(Unit.external_id == "dv-21")) == 1
        assert db.session.scalar(select(func.count(Revocation.id))) == 1
        # The revoked completion stays; one new in-person one was recorded.
        assert db.session.scalar(select(func.count(Completion.id))) == 2


def test_my_notifications_through_the_api(site):
    with site.app_context():
        learner = find_user("hoc.vien")
        db.session.add_all(Notification(user_id=learner.id, kind="pledge.can_file",
                                        params={"year": 2026}, key=f"k{i}") for i in range(3))
        db.session.commit()
        ids = sorted(db.session.scalars(select(Notification.id)))
    client, headers = signed_in(site, "hoc.vien")
    listed = client.get("/api/v1/me/notifications?per_page=2")
    assert listed.status_code == 200, listed.get_json()
    body = listed.get_json()
    assert (body["total"], body["unread"], len(body["items"])) == (3, 3, 2)
    assert client.get(body["next"]).get_json()["items"][0]["id"] == ids[0]  # oldest last
    assert "2026" in body["items"][0]["text"] and body["items"][0]["created_at"].endswith(
        "+07:00")
    for _ in range(2):
        read = client.post(f"/api/v1/me/notifications/{ids[0]}/read", headers=headers)
        assert read.status_code == 200 and read.get_json()["read"] is True
    assert client.get("/api/v1/me/notifications").get_json()["unread"] == 2
    # Someone else's notification is not found; without signing in, a 401 problem.
    other, other_headers = signed_in(site, "ban.ngoai")
    refused = other.post(f"/api/v1/me/notifications/{ids[1]}/read", headers=other_headers)
    assert refused.status_code == 404
    assert refused.get_json()["detail"] == "Không có thông báo này của bạn."
    anonymous = site.test_client().get("/api/v1/me/notifications")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
