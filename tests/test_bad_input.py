"""The inputs an attacker's sweep turned into 500s each get a clear, translated 4xx now,
on SQLite and PostgreSQL (the sweep in test_input_sweep.py covers every route; these pin the
reported cases and check what the person is told)."""
from __future__ import annotations

import pytest

from elearn.content.yamlsource import YamlSyntaxError, load_yaml
from elearn.testing import csrf_token, login, signed_in_client

from kit import PASSWORD as LEARNER_PASSWORD, make_site, start_attempt, study_everything
from kit import write_quiz_course
from test_permissions import app  # noqa: F401 (fixture)
from kit import PASSWORD


def signed_in(app, username):  # noqa: F811
    return signed_in_client(app, username, PASSWORD)


@pytest.mark.parametrize("path", [
    "/admin/people/99999999999999999999", "/admin/people/9223372036854775808",
    "/admin/units/2147483648", "/plans/99999999999999999999", "/review/pledges/2147483648",
    "/pledges/99999999999999999999", "/pledges/10000",
])
def test_ids_and_years_beyond_the_columns_are_404(app, world, path):  # noqa: F811
    client = signed_in(app, "role.admin")
    assert client.get(path).status_code == 404


def test_a_nul_byte_is_a_translated_400_even_before_sign_in(app):  # noqa: F811
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": "ai\x00do",
                                           "password": "x"})
    assert response.status_code == 400
    assert "ký tự NUL" in response.get_data(as_text=True)
    assert client.get("/verify", query_string={"code": "AB\x00"}).status_code == 400
    # In the path itself too (a unit code), on every public page that takes one.
    for page in ("pledges", "pledges.txt", "exemplars", "exemplars.csv"):
        assert client.get(f"/public/units/%00/{page}").status_code == 400, page


def test_an_over_long_value_is_a_translated_400(app, world):  # noqa: F811
    client = signed_in(app, "role.admin")
    response = client.get("/admin/people/", query_string={"q": "Đ" * 5000})
    assert response.status_code == 400
    assert "quá dài" in response.get_data(as_text=True)


def test_a_body_over_the_limit_is_a_translated_413(app):  # noqa: F811
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": "x" * (6 << 20),
                                           "password": "x"})
    assert response.status_code == 413
    assert "quá lớn" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: x=1", "/\\evil.example", "//evil.example",
                                    "https://evil.example/", "/%0d%0aX:1\n"])
def test_a_crafted_next_is_ignored(app, world, target):  # noqa: F811
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": target}, data={
        "csrf_token": token, "username": "role.learner", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)


def test_a_signalling_nan_score_is_refused_with_the_form(app, world):  # noqa: F811
    client = signed_in(app, "role.verifier")
    token = csrf_token(client, "/centre/completions/record")
    for score in ("sNaN", "NaN", "inf", "1e999"):
        response = client.post("/centre/completions/record", data={
            "csrf_token": token, "username": "nguoi.a", "course": "khoa-thu",
            "completed_on": "2026-01-05", "score": score})
        assert response.status_code == 400, score


@pytest.mark.parametrize("template", [
    "title: ok\nsections:\n" + "  " + "[" * 5000 + "]" * 5000 + "\n",
    "title: ok\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200)) + "  " * 200 + "v\n",
])
def test_a_plan_template_nested_too_deeply_is_refused_with_a_message(app, world, template):  # noqa: F811,E501
    client = signed_in(app, "role.officer")
    token = csrf_token(client, "/plans/")
    response = client.post("/plans/", data={
        "csrf_token": token, "year": 2026, "unit_code": "A", "title": "Kế hoạch",
        "audience": "cadre", "deadline": "2026-12-31", "template": template})
    assert response.status_code == 400
    assert "50" in response.get_data(as_text=True)


def test_the_yaml_loader_refuses_nul_and_deep_nesting_without_recursing():
    with pytest.raises(YamlSyntaxError):
        load_yaml("a: b\x00")
    with pytest.raises(YamlSyntaxError, match="nested"):
        load_yaml("a: " + "[" * 100_000 + "]" * 100_000)
    assert load_yaml("a: [1, {b: 2}]") == {"a": [1, {"b": 2}]}


def test_a_quiz_go_value_that_only_looks_like_a_digit_stays_on_the_quiz(make_app, course_root):
    write_quiz_course(course_root, "khoa-quiz")
    site = make_site(make_app, course_root)
    client = site.test_client()
    login(client, "hocvien", LEARNER_PASSWORD)
    study_everything(site, client, "khoa-quiz")
    attempt = start_attempt(client, "khoa-quiz")
    page = f"/courses/khoa-quiz/quiz/{attempt}/1"
    token = csrf_token(client, page)
    for go in ("²", "١", "99999999999999999999", ""):
        response = client.post(page, data={"csrf_token": token, "go": go})
        assert response.status_code == 303, go
        assert f"/quiz/{attempt}/" in response.headers["Location"]
