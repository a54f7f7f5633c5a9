"""People: sign-in throttling, real sign-out, invitations, CSV import, moves with history."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from elearn.extensions import db
from elearn.models import Invitation, Role, UnitMembership, User
from elearn.clock import utcnow
from elearn.services import imports
from elearn.services.accounts import create_user, find_user, grant_role, move_user
from elearn.services.invitations import create_invitation
from elearn.services.orgs import create_unit, unit_by_code
from elearn.testing import Browser, csrf_token, login


PASSWORD = "mat-khau-dai"


@pytest.fixture
def unit_app(make_app):
    app = make_app(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_ADDRESS=5,
                   LOGIN_ADDRESS_SLOWDOWN_SECONDS=1)
    with app.app_context():
        province = create_unit("T", "Tỉnh", "province")
        cell = create_unit("T-C", "Chi bộ", "cell", province)
        create_unit("T-C2", "Chi bộ hai", "cell", province)
        user = create_user("an", "Nguyễn Văn An", PASSWORD, cell, position="Đảng viên")
        grant_role(user, Role.LEARNER, cell)
        db.session.commit()
    return app


def test_passwords_are_stored_as_scrypt_hashes(unit_app):
    with unit_app.app_context():
        stored = find_user("an").password_hash
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_repeated_wrong_passwords_lock_the_account_with_a_clear_message(unit_app):
    client = unit_app.test_client()
    for _ in range(3):
        assert login(client, "an", "sai").status_code == 401
    locked = login(client, "an", PASSWORD)  # even the right password waits now
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) > 0
    # Another account from another address is not affected.
    other = unit_app.test_client()
    with unit_app.app_context():
        create_user("binh", "Bình", PASSWORD, unit_by_code("T-C"))
        db.session.commit()
    assert login(other, "binh", PASSWORD).status_code == 302


def test_many_accounts_tried_from_one_address_are_slowed_down_not_locked_out(unit_app, clock):
    client = unit_app.test_client()
    for n in range(6):  # five failures, then one attempt a second
        assert login(client, f"khong-co-{n}", "sai").status_code == 401
    slowed = login(client, "an", PASSWORD)
    assert slowed.status_code == 429
    assert "từ mạng của bạn" in slowed.get_data(as_text=True)
    assert 1 <= int(slowed.headers["Retry-After"]) <= 1
    # Someone else behind the same address (an office behind one NAT) still gets in with
    # the right password: they wait a second, they are not locked out for the window.
    clock.advance(1.1)
    assert login(unit_app.test_client(), "an", PASSWORD).status_code == 302
    elsewhere = unit_app.test_client()
    response = elsewhere.post(
        "/login", data={"csrf_token": csrf_token(elsewhere, "/login"), "username": "an",
                        "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 302


def test_session_cookie_is_httponly_samesite_and_secure_over_https(make_app):
    app = make_app()
    with app.app_context():
        create_user("an", "An", PASSWORD, create_unit("T", "Tỉnh", "province"))
        db.session.commit()
    client = app.test_client()
    token = csrf_token(client, "/login")

    def session_cookie(base_url):
        response = client.post("/login", base_url=base_url, data={
            "csrf_token": token, "username": "an", "password": PASSWORD})
        return next(c for c in response.headers.getlist("Set-Cookie")
                    if c.startswith("session="))

    over_https = session_cookie("https://localhost")
    assert "HttpOnly" in over_https and "SameSite=Lax" in over_https and "Secure" in over_https
    client.post("/logout", base_url="https://localhost",
                data={"csrf_token": csrf_token(client, "/")})
    assert "Secure" not in session_cookie("http://localhost")  # plain-HTTP development


def test_sign_out_ends_the_session_even_for_a_copied_cookie(unit_app):
    client = unit_app.test_client()
    login(client, "an", PASSWORD)
    stolen = client.get_cookie("session").value
    assert client.get("/profile/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    replay = unit_app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/profile/").status_code == 302  # back to sign-in


def test_deactivating_a_person_ends_their_sessions(unit_app):
    client = unit_app.test_client()
    login(client, "an", PASSWORD)
    with unit_app.app_context():
        find_user("an").active = False
        db.session.commit()
    assert client.get("/profile/").status_code == 302


def test_changing_password_signs_out_other_devices(unit_app):
    phone, laptop = unit_app.test_client(), unit_app.test_client()
    login(phone, "an", PASSWORD)
    login(laptop, "an", PASSWORD)
    response = laptop.post("/profile/password", data={
        "csrf_token": csrf_token(laptop, "/profile/password"), "current": PASSWORD,
        "new": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"})
    assert response.status_code == 302
    assert laptop.get("/profile/").status_code == 200
    assert phone.get("/profile/").status_code == 302


def test_wrong_current_password_is_refused(unit_app):
    client = unit_app.test_client()
    login(client, "an", PASSWORD)
    response = client.post("/profile/password", data={
        "csrf_token": csrf_token(client, "/profile/password"), "current": "sai",
        "new": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"})
    assert response.status_code == 400
    assert "Mật khẩu hiện tại không đúng" in response.get_data(as_text=True)


def join(client, code, username, **extra):
    data = {"csrf_token": csrf_token(client, "/join"), "code": code, "full_name": "Lê Thị Hoa",
            "username": username, "password": "mat-khau-hoa", "confirm": "mat-khau-hoa"}
    data.update(extra)
    return client.post("/join", data=data)


def test_joining_with_an_invitation_creates_a_learner_in_that_unit(unit_app):
    with unit_app.app_context():
        code = create_invitation(unit_by_code("T-C"), audience="student", max_uses=2).code
        db.session.commit()
    client = unit_app.test_client()
    response = join(client, code.lower().replace("-", " "), "hoa")  # forgiving about format
    assert response.status_code == 302
    assert "Lê Thị Hoa" in client.get("/").get_data(as_text=True)
    with unit_app.app_context():
        user = find_user("hoa")
        assert user.unit.code == "T-C" and user.audience == "student"
        assert [(g.role, g.unit.code) for g in user.grants] == [("learner", "T-C")]


@pytest.mark.parametrize("change, message", [
    ({"expires_at": utcnow() - timedelta(minutes=1)}, "đã hết hạn"),
    ({"uses": 1}, "đã được dùng hết"),
    ({"revoked_at": utcnow()}, "đã bị thu hồi"),
])
def test_unusable_invitations_are_refused_with_the_reason(unit_app, change, message):
    with unit_app.app_context():
        invitation = create_invitation(unit_by_code("T-C"))
        for key, value in change.items():
            setattr(invitation, key, value)
        db.session.commit()
        code = invitation.code
    response = join(unit_app.test_client(), code, "hoa")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with unit_app.app_context():
        assert find_user("hoa") is None


def test_unknown_code_and_taken_username_are_explained(unit_app):
    response = join(unit_app.test_client(), "ABCDE-FGHJK", "hoa")
    assert response.status_code == 400 and "không tồn tại" in response.get_data(as_text=True)
    with unit_app.app_context():
        code = create_invitation(unit_by_code("T-C")).code
        create_user("thanh.vien", "Thành Viên", PASSWORD, unit_by_code("T-C"))
        db.session.commit()
    taken = join(unit_app.test_client(), code, "Thanh.Vien")
    assert taken.status_code == 409 and "đã có người dùng" in taken.get_data(as_text=True)


def test_the_last_use_of_an_invitation_goes_to_one_person_only(unit_app):
    """Real concurrent requests through a real server race for the last use."""
    with unit_app.app_context():
        code = create_invitation(unit_by_code("T-C"), max_uses=1).code
        db.session.commit()
    server = make_server("127.0.0.1", 0, unit_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    racers = 4
    barrier, statuses = threading.Barrier(racers), []

    def race(n: int) -> None:
        browser = Browser(base)
        token = browser.csrf("/join")
        barrier.wait()
        statuses.append(browser.post("/join", {
            "csrf_token": token, "code": code, "full_name": f"Người {n}",
            "username": f"nguoi{n}", "password": "mat-khau-dai", "confirm": "mat-khau-dai"}))

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    server.shutdown()
    assert sorted(statuses) == [302] + [400] * (racers - 1)
    with unit_app.app_context():
        assert db.session.scalar(select(Invitation.uses)) == 1
        assert db.session.scalar(select(func.count()).select_from(User)
                                 .where(User.username.like("nguoi%"))) == 1


PEOPLE_CSV = """full_name,unit_code,position,type,email,phone
Trần Văn Bảy,T-C,Trưởng thôn,party_member,bay@example.vn,
Phạm Thị Tám,T-C2,Giáo viên,cadre,,0912 345 678
Đỗ Minh Chín,T-C,Sinh viên,student,chin@example.vn,
"""


def test_people_import_creates_accounts_that_must_choose_a_password(unit_app):
    with unit_app.app_context():
        report = imports.import_people(PEOPLE_CSV, dry_run=False)
        assert report.ok and report.applied
        bay = db.session.scalar(select(User).where(User.email == "bay@example.vn"))
        assert bay.username == "bay" and bay.must_change_password and bay.is_party_member
        tam = db.session.scalar(select(User).where(User.phone == "0912345678"))
        assert tam.username == "tam.pt" and tam.unit.code == "T-C2"
        assert [g.role for g in tam.grants] == ["learner"]
        temporary = next(row.detail for row in report.rows if "bay" in row.key)
    client = unit_app.test_client()
    assert login(client, "bay", temporary).headers["Location"] == "/profile/password"
    assert client.get("/").headers["Location"] == "/profile/password"  # until they change it


def test_people_import_reports_duplicates_and_imports_nothing(unit_app):
    bad = PEOPLE_CSV + ("Trần Văn Bảy,T-C,Trưởng thôn,party_member,bay@example.vn,\n"
                        "Người Lạ,NOWHERE,,party_member,la@example.vn,\n"
                        "Không Liên Lạc,T-C,,party_member,,\n"
                        "Trùng Tài Khoản,T-C,,cadre,an.cu@example.vn,\n")
    with unit_app.app_context():
        create_user("an.cu", "An Cũ", PASSWORD, unit_by_code("T-C"), email="an.cu@example.vn")
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(User))
        report = imports.import_people(bad, dry_run=False)
        assert [row.line for row in report.rows if row.errors] == [5, 6, 7, 8]
        assert "2" in report.rows[3].errors[0]  # points back to the first occurrence
        assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_moving_a_person_keeps_their_history(unit_app):
    with unit_app.app_context():
        user = find_user("an")
        move_user(user, unit_by_code("T-C2"), "Bí thư chi bộ")
        db.session.commit()
        rows = db.session.scalars(select(UnitMembership).where(
            UnitMembership.user_id == user.id).order_by(UnitMembership.id)).all()
        assert [(r.unit.code, r.position, r.ended_at is None) for r in rows] == [
            ("T-C", "Đảng viên", False), ("T-C2", "Bí thư chi bộ", True)]
    client = unit_app.test_client()
    login(client, "an", PASSWORD)
    page = client.get("/profile/").get_data(as_text=True)
    assert "Chi bộ hai" in page and "Chi bộ" in page


def test_profile_edits_own_details_and_language(unit_app):
    client = unit_app.test_client()
    login(client, "an", PASSWORD)
    response = client.post("/profile/", data={
        "csrf_token": csrf_token(client, "/profile/"), "full_name": "Nguyễn Văn An",
        "email": "an@example.vn", "phone": "", "locale": "en"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/profile/").get_data(as_text=True)
    bad = client.post("/profile/", data={"csrf_token": csrf_token(client, "/profile/"),
                                         "full_name": "", "email": "khong-phai-email",
                                         "locale": "en"})
    assert bad.status_code == 400
    with unit_app.app_context():
        assert find_user("an").email == "an@example.vn"  # nothing saved is lost
