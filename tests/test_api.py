"""JSON API v1: a person's own data, a centre's scoped list, pagination, problem details
in both languages, the OpenAPI document and its page."""
from __future__ import annotations

from datetime import date

from elearn.clock import local_today
from elearn.testing import login
from kit import CENTRE_COURSE, PASSWORD, complete


def signed_in(app, username: str, language: str | None = None):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    if language:
        client.set_cookie("lang", language)
    return client


def test_my_completions_are_mine_with_local_time_and_public_certificate_address(make_app):
    app = make_app(PUBLIC_URL="https://hoctap.example.vn")
    with app.app_context():
        from kit import build_centre
        build_centre()
        mine = complete("hoc.vien")
        complete("ban.ngoai")
        mine_code = mine.code
    data = signed_in(app, "hoc.vien").get("/api/v1/me/completions").get_json()
    assert data["total"] == 1 and data["next"] is None
    item = data["items"][0]
    assert item["course"] == CENTRE_COURSE and item["status"] == "valid"
    assert item["completed_at"].endswith("+07:00")
    assert item["certificate_url"].startswith("https://hoctap.example.vn/certificates/")
    assert item["code"].replace("-", "") == mine_code


def test_my_courses_show_progress_and_certificate(centre):
    with centre.app_context():
        complete("hoc.vien")
    data = signed_in(centre, "hoc.vien").get("/api/v1/me/courses?per_page=100").get_json()
    by_slug = {item["slug"]: item for item in data["items"]}
    assert by_slug[CENTRE_COURSE]["certificate_code"] is not None
    assert data["total"] == len(data["items"]) > 0


def test_a_verifier_sees_their_units_completions_and_another_units_verifier_sees_none(centre):
    with centre.app_context():
        from elearn.extensions import db
        from elearn.models import Role
        from elearn.services.accounts import create_user, find_user, grant_role
        from elearn.services.orgs import unit_by_code
        complete("hoc.vien")
        complete("ban.ngoai")
        other = unit_by_code("K")
        grant_role(create_user("ttct.k", "Người K", PASSWORD, other), Role.VERIFIER, other)
        db.session.commit()
        assert find_user("ttct.k") is not None
    ours = signed_in(centre, "ttct").get("/api/v1/completions").get_json()
    assert [item["username"] for item in ours["items"]] == ["hoc.vien"]
    assert ours["items"][0]["holder"] == "Nguyễn Thị Ánh Tuyết"
    # Asking for a unit outside the scope gives nothing, not the other unit's list.
    assert signed_in(centre, "ttct").get("/api/v1/completions?unit=K").get_json()["total"] == 0
    theirs = signed_in(centre, "ttct.k").get(f"/api/v1/completions?course={CENTRE_COURSE}")
    assert [item["username"] for item in theirs.get_json()["items"]] == ["ban.ngoai"]
    assert signed_in(centre, "hoc.vien").get("/api/v1/completions").status_code == 403


def test_pages_follow_next_links_to_the_end(centre):
    with centre.app_context():
        from elearn.extensions import db
        from elearn.services.accounts import create_user, find_user
        cell = find_user("hoc.vien").unit
        for n in range(5):
            create_user(f"hv{n}", f"Học viên {n}", PASSWORD, cell)
        db.session.commit()
        for n in range(5):
            complete(f"hv{n}")
    client = signed_in(centre, "ttct")
    seen, url, pages = [], "/api/v1/completions?per_page=2", 0
    while url:
        data = client.get(url).get_json()
        assert data["per_page"] == 2 and data["total"] == 5
        seen += [item["username"] for item in data["items"]]
        url, pages = data["next"], pages + 1
    assert pages == 3 and sorted(seen) == [f"hv{n}" for n in range(5)]


def test_per_page_over_100_is_a_problem_in_the_callers_language(centre):
    answer = signed_in(centre, "ttct", "en").get("/api/v1/completions?per_page=101")
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    body = answer.get_json()
    assert body["status"] == 422 and body["title"] == "Invalid parameters"
    assert "per_page" in body["detail"] and body["instance"] == "/api/v1/completions"
    vietnamese = signed_in(centre, "ttct").get("/api/v1/completions?page=0").get_json()
    assert vietnamese["title"] == "Tham số không hợp lệ" and "page" in vietnamese["detail"]


def test_not_signed_in_is_a_401_problem_not_a_redirect(centre):
    client = centre.test_client()
    answer = client.get("/api/v1/me/courses")
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["title"] == "Chưa đăng nhập"
    client.set_cookie("lang", "en")
    assert client.get("/api/v1/me/pledge").get_json()["title"] == "Not signed in"


def test_unknown_paths_and_methods_are_problems(centre):
    client = signed_in(centre, "hoc.vien", "en")
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["title"] == "Not found"
    wrong = client.post("/api/v1/me/courses")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert wrong.get_json()["title"] == "Method not allowed"


def test_my_pledge_without_a_plan_is_a_translated_404(centre):
    answer = signed_in(centre, "hoc.vien", "en").get("/api/v1/me/pledge")
    assert answer.status_code == 404
    assert answer.get_json()["detail"] == "No study plan applies to you this year."


def test_my_pledge_gives_status_and_deadline(app, world):
    data = signed_in(app, "nguoi.a").get("/api/v1/me/pledge").get_json()
    assert data["year"] == local_today().year and data["status"] == "filed"
    assert data["deadline"] == local_today().isoformat()
    assert data["status_label"]


def test_the_openapi_document_is_3_1_and_lists_every_operation(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/me/courses", "/api/v1/me/completions", "/api/v1/me/pledge",
            "/api/v1/completions", "/api/v1/verify/{code}"} <= set(spec["paths"])
    page = app.test_client().get("/api/v1/docs").get_data(as_text=True)
    assert "GET /api/v1/completions" in page and "per_page" in page
    assert "<script" not in page and "cdn" not in page.lower()


def test_too_many_lookups_is_a_429_problem_and_verification_stays_as_it_was(make_app):
    app = make_app(VERIFY_LOOKUPS_PER_MINUTE=2)
    client = app.test_client()
    client.set_cookie("lang", "en")
    typo = client.get("/api/v1/verify/KHONG-CO")
    # The verification endpoint's own answer to a mistyped code is unchanged.
    assert typo.status_code == 400 and typo.mimetype == "application/json"
    assert set(typo.get_json()) == {"error", "status"}
    client.get("/api/v1/verify/KHONG-CO")
    refused = client.get("/api/v1/verify/KHONG-CO")
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["title"] == "Too many requests"
