"""Course pages at run time: sanitised lesson HTML, broken courses skipped and reported,
every other course still served."""
from __future__ import annotations

import logging

import pytest

from elearn.extensions import db
from elearn.models import Role
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import Elements, login, write_course
from elearn.testing.courses import LESSON


HOSTILE = LESSON.format(n=1, body="""
<script>alert("x")</script>

<iframe src="https://evil.example/"></iframe>

<img src="x" onerror="alert(1)"> <a href="#" onclick="steal()">bấm</a>

[liên kết độc](javascript:alert(document.cookie)) và [hợp lệ](https://tuyengiao.vn/)

![ảnh](javascript:alert(2))

<svg onload="alert(3)"></svg>

| Cột | Giá trị |
|-----|---------|
| a   | **b**   |
""")


@pytest.fixture
def site(make_app, course_root):
    write_course(course_root, "khoa-tot")
    write_course(course_root, "khoa-doc", lessons={"01-mot.md": HOSTILE})
    broken = write_course(course_root, "khoa-hong")
    (broken / "course.yaml").write_text(
        (broken / "course.yaml").read_text().replace("kind: annual", "kind: weekly"))
    app = make_app(COURSE_DIRS=[str(course_root)])
    with app.app_context():
        unit = create_unit("T", "Tỉnh thử", "province")
        admin = create_user("quantri", "Quản Trị", "mat-khau-dai", unit)
        grant_role(admin, Role.ADMIN, unit)
        create_user("hocvien", "Học Viên", "mat-khau-dai", unit)
        db.session.commit()
    return app


OWN_SCRIPT = '<script src="/static/learn.js" defer></script>'


def without_own_script(html: str) -> str:
    """The page minus the app's own learn.js tag (the reading countdown), exactly once: any
    other script on the page, from the course's Markdown, is still found."""
    assert html.count(OWN_SCRIPT) == 1
    return html.replace(OWN_SCRIPT, "")


def test_course_markdown_never_puts_active_content_on_a_page(site):
    client = site.test_client()
    login(client, "hocvien", "mat-khau-dai")
    response = client.get("/courses/khoa-doc/lessons/01-mot")
    assert response.status_code == 200
    page = Elements(without_own_script(response.get_data(as_text=True)))
    assert not page.tags() & {"script", "iframe", "svg", "object", "embed"}
    for tag, name, value in page.attributes():
        assert not name.startswith("on"), (tag, name)
        assert not value.strip().lower().startswith("javascript:"), (tag, name, value)
    hrefs = [value for tag, name, value in page.attributes() if tag == "a" and name == "href"]
    assert "https://tuyengiao.vn/" in hrefs  # ordinary links survive
    assert "table" in page.tags()  # and so does ordinary Markdown


def test_broken_course_is_skipped_and_the_rest_keep_working(site, caplog):
    client = site.test_client()
    login(client, "hocvien", "mat-khau-dai")
    home = client.get("/").get_data(as_text=True)
    assert "Khóa thử khoa-tot" in home and "Khóa thử khoa-hong" not in home
    assert client.get("/courses/khoa-tot/lessons/02-hai").status_code == 200
    assert client.get("/courses/khoa-hong/").status_code == 404


def test_broken_course_is_logged_with_file_and_line(make_app, course_root, caplog):
    broken = write_course(course_root, "khoa-hong")
    (broken / "course.yaml").write_text(
        (broken / "course.yaml").read_text().replace("kind: annual", "kind: weekly"))
    with caplog.at_level(logging.ERROR, logger="elearn.registry"):
        make_app(COURSE_DIRS=[str(course_root)])
    assert f"{broken / 'course.yaml'}:5:" in caplog.text


def test_admins_see_what_failed_to_load_with_file_and_line(site, course_root):
    client = site.test_client()
    login(client, "quantri", "mat-khau-dai")
    page = client.get("/admin/courses", headers={"Cookie": "lang=en"}).get_data(as_text=True)
    assert f"{course_root / 'khoa-hong' / 'course.yaml'}:5" in page
    assert "khoa-tot" in page


def test_learners_cannot_see_the_admin_page(site):
    client = site.test_client()
    assert client.get("/admin/courses").status_code in (302, 401)
    login(client, "hocvien", "mat-khau-dai")
    assert client.get("/admin/courses").status_code == 403


def test_a_plugin_whose_course_hook_crashes_is_reported_with_file_and_line(
        make_app, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "crashing_centre.py").write_text(
        "from elearn import hookimpl\n\n"
        "@hookimpl\n"
        "def register_courses(app):\n"
        "    raise ValueError('thư mục không tồn tại')\n", encoding="utf-8")
    app = make_app(PLUGINS=["crashing_centre"])
    registry = app.extensions["elearn.registry"]
    assert registry.courses  # the shipped courses still load
    (problem,) = [p for p in registry.course_problems if p.source == "crashing_centre"]
    # (the module is cached across backends, so compare the file name, not the folder)
    assert problem.errors[0].location().endswith("/crashing_centre.py:5")


def test_course_assets_are_served_but_paths_cannot_escape(site, course_root):
    (course_root / "khoa-tot" / "assets" / "so-do.txt").write_text("sơ đồ")
    client = site.test_client()
    login(client, "hocvien", "mat-khau-dai")
    assert client.get("/courses/khoa-tot/assets/so-do.txt").get_data(as_text=True) == "sơ đồ"
    assert client.get("/courses/khoa-tot/assets/../course.yaml").status_code == 404
    assert client.get("/courses/khoa-tot/assets/%2e%2e/course.yaml").status_code == 404


def test_pages_carry_security_headers_and_assets_are_sandboxed(site, course_root):
    (course_root / "khoa-tot" / "assets" / "hinh.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    client = site.test_client()
    page = client.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    login(client, "hocvien", "mat-khau-dai")
    asset = client.get("/courses/khoa-tot/assets/hinh.svg")
    assert asset.status_code == 200 and "sandbox" in asset.headers["Content-Security-Policy"]
