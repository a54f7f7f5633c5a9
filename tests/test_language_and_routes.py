"""Language choice, CSRF and the permission declared on every route."""
from __future__ import annotations

import pytest

from elearn.extensions import db
from elearn.models import Role
from elearn.security import declared_permission
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token, login


def test_every_route_declares_a_permission(app):
    undeclared = [rule.rule for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static" and declared_permission(app, rule.endpoint) is None]
    assert undeclared == []


def test_vietnamese_is_the_default_and_english_can_be_chosen(client):
    assert "Học tập và làm theo" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    response = client.post("/language", data={"csrf_token": token, "language": "en",
                                               "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "Đăng nhập" not in page


def test_language_choice_never_redirects_off_site(client):
    token = csrf_token(client, "/")
    response = client.post("/language", data={"csrf_token": token, "language": "en",
                                               "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_signed_in_language_choice_is_kept_on_the_account(make_app):
    app = make_app()
    with app.app_context():
        create_user("nguoi.hoc", "Người Học", "mat-khau-dai", create_unit("T", "Tỉnh", "province"))
        db.session.commit()
    first = app.test_client()
    login(first, "nguoi.hoc", "mat-khau-dai")
    first.post("/language", data={"csrf_token": csrf_token(first, "/"), "language": "en"})
    second = app.test_client()  # another phone, no cookie
    login(second, "nguoi.hoc", "mat-khau-dai")
    assert '<html lang="en">' in second.get("/").get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused_with_a_translated_message(client):
    response = client.post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)


def test_a_page_token_is_reused_for_a_few_minutes_and_always_accepted(make_app, monkeypatch):
    """Pages reuse the session's signed CSRF token for up to five minutes (elearn/csrf_tokens):
    each one is still accepted, another session never gets it, and a new window signs anew."""
    import time
    import types

    from elearn import csrf_tokens

    from itsdangerous import timed

    # One clock for choosing the window and for signing, at the start of a window.
    now = [float(int(time.time()) // csrf_tokens.REUSE_SECONDS * csrf_tokens.REUSE_SECONDS)]
    clock = types.SimpleNamespace(time=lambda: now[0])
    monkeypatch.setattr(csrf_tokens, "time", clock)
    monkeypatch.setattr(timed, "time", clock)
    app = make_app()
    reader, other = app.test_client(), app.test_client()
    for client in (reader, other):
        csrf_token(client, "/")  # the first page of a session makes its secret
    first = csrf_token(reader, "/")
    now[0] += 10  # Flask-WTF alone would sign anew, with this second in the token
    assert csrf_token(reader, "/") == first
    assert csrf_token(other, "/") != first
    now[0] += csrf_tokens.REUSE_SECONDS
    later = csrf_token(reader, "/")
    assert later != first
    for token in (first, later):  # both signed for this session, both within the time limit
        response = reader.post("/language", data={"csrf_token": token, "language": "vi",
                                                   "next": "/login"})
        assert response.status_code == 302, token
    assert other.post("/language", data={"csrf_token": first, "language": "vi"}).status_code == 400


def test_unknown_pages_get_a_translated_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Trang bạn yêu cầu không tồn tại." in response.get_data(as_text=True)


@pytest.fixture
def people(app):
    with app.app_context():
        unit = create_unit("T", "Tỉnh", "province")
        for username, role in [("hoc.vien", Role.LEARNER), ("quan.tri", Role.ADMIN)]:
            grant_role(create_user(username, username, "mat-khau-dai", unit), role, unit)
        db.session.commit()
    return app


@pytest.mark.parametrize("who, path, expected", [
    (None, "/", 200), (None, "/courses/cd-2016-toan-khoa/", 302),
    (None, "/courses/cd-2016-toan-khoa/lessons/01-tu-tuong", 302), (None, "/admin/courses", 302),
    ("hoc.vien", "/courses/cd-2016-toan-khoa/", 200),
    ("hoc.vien", "/courses/cd-2016-toan-khoa/lessons/01-tu-tuong", 200),
    ("hoc.vien", "/admin/courses", 403),
    ("quan.tri", "/admin/courses", 200),
])
def test_each_role_gets_what_its_permission_allows(people, who, path, expected):
    client = people.test_client()
    if who:
        login(client, who, "mat-khau-dai")
    response = client.get(path)
    assert response.status_code == expected
    if expected == 302:
        assert response.headers["Location"].startswith("/login")
