"""Issue #13 items 4 and 5: preview without restart, reload, publish without a developer.

Real parts throughout: course folders on disk, the real CLI, uploads through the real forms,
a real threaded server for racing activations, two apps on one database as two workers, on
SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
import threading
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import (
    AuditEntry, CoursePackage, LessonView, PackageStatus, QuizAttempt, Role,
)
from elearn.services import codes, completions
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import PROJECT_ROOT, csrf_token, login, race, serve, signed_in_tabs, write_course
from elearn.testing.courses import BANK, COURSE

# Two questions drawn, pass mark 50: guessing passes often; this test course allows it.
COURSE_TEXT = COURSE.format(slug="khoa-thu") + "  max_guess_pass_probability: 1\n"

from kit import PASSWORD

BANK_V2 = BANK.replace("""  - id: q2
    type: true_false
    prompt: "Câu hai?"
    answer: true
""", """  - id: q3
    type: true_false
    prompt: "Câu ba mới?"
    answer: false
""").replace('"Câu một?"', '"Câu một đã sửa?"')


@pytest.fixture
def site(make_app, course_root, tmp_path):
    write_course(course_root, course=COURSE_TEXT)
    app = make_app(COURSE_DIRS=[str(course_root)], COURSE_REVISION_CHECK_SECONDS=0,
                   COURSE_PACKAGES_DIR=str(tmp_path / "packages"))
    with app.app_context():
        unit = create_unit("T", "Tỉnh", "province")
        grant_role(create_user("tac.gia", "Tác Giả", PASSWORD, unit), Role.AUTHOR, unit)
        grant_role(create_user("quan.tri", "Quản Trị", PASSWORD, unit), Role.ADMIN, unit)
        create_user("hoc.vien", "Học Viên", PASSWORD, unit)
        db.session.commit()
    return app


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def version_two(tmp_path: Path) -> Path:
    """The same course, v2.0: lesson 2 rewritten, question q1 changed, q2 gone, q3 new."""
    lesson = "---\ntitle: {vi: \"Bài 2\", en: \"Lesson 2\"}\n---\n## Nội dung\n\nBài hai viết lại.\n"
    folder = write_course(tmp_path / "v2", bank=BANK_V2, lessons={"02-hai.md": lesson},
                          course=COURSE_TEXT)
    course = folder / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace('version: "1.0"',
                                                                 'version: "2.0"'),
                      encoding="utf-8")
    return folder


def package(app, folder: Path, out: Path):
    return app.test_cli_runner().invoke(args=["elearn", "courses", "package", str(folder),
                                              "--out", str(out)])


def upload(client, data: bytes, name: str = "khoa.zip"):
    token = csrf_token(client, "/author/courses/upload")
    return client.post("/author/courses/upload", data={
        "csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def package_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/author/courses/(\d+)$", response.headers["Location"]).group(1))


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == action))


def running(app, slug="khoa-thu"):
    return app.extensions["elearn.registry"].course(slug)


def test_package_upload_diff_preview_activate_and_old_completions_still_verify(site, tmp_path):
    with site.app_context():
        old = completions.issue(find_user("hoc.vien"), running(site), method=completions.ONLINE,
                                score=90.0)
        db.session.commit()
        old_code, old_hash = codes.display(old.code), old.content_hash
    folder = version_two(tmp_path)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    result = package(site, folder, first)
    assert result.exit_code == 0, result.output
    assert package(site, folder, second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()  # deterministic

    author = signed_in(site, "tac.gia")
    pid = package_id(upload(author, first.read_bytes()))
    page = author.get(f"/author/courses/{pid}").get_data(as_text=True)
    diff = page[page.index('id="diff"'):]
    assert "1.0" in diff and "2.0" in diff and old_hash in diff
    assert re.search(r"Lessons changed\W*: 02-hai|Bài học đã sửa\W*: 02-hai", diff), diff
    assert re.search(r": q3</li>", diff) and re.search(r": q2</li>", diff)
    assert re.search(r": q1</li>", diff)
    preview = author.get(f"/author/courses/{pid}/preview").get_data(as_text=True)
    assert "Bài hai viết lại." in preview and "Câu ba mới?" in preview

    # Nothing changes for learners until an admin activates it.
    assert running(site).version == "1.0"
    admin = signed_in(site, "quan.tri")
    courses_page = admin.get("/admin/courses").get_data(as_text=True)
    assert f"/admin/courses/{pid}/activate" in courses_page
    token = csrf_token(admin, "/admin/courses")
    assert admin.post(f"/admin/courses/{pid}/activate",
                      data={"csrf_token": token}).status_code == 303
    assert admin.post(f"/admin/courses/{pid}/activate",
                      data={"csrf_token": token}).status_code == 303  # again: no effect
    assert audit_count(site, "course.activate") == 1
    courses_page = admin.get("/admin/courses").get_data(as_text=True)
    assert running(site).version == "2.0" and running(site).source == f"upload #{pid}"
    assert running(site).content_hash[:16] in courses_page
    learner = signed_in(site, "hoc.vien")
    lesson = learner.get("/courses/khoa-thu/lessons/02-hai").get_data(as_text=True)
    assert "Bài hai viết lại." in lesson

    # Only authors see uploads and previews; only admins activate.
    for path in (f"/author/courses/{pid}", f"/author/courses/{pid}/preview",
                 "/author/courses/upload"):
        assert learner.get(path).status_code == 403
    assert author.post(f"/admin/courses/{pid}/activate",
                       data={"csrf_token": csrf_token(author, "/author/")}).status_code == 403
    verdict = learner.get(f"/api/v1/verify/{old_code}").get_json()
    assert verdict["status"] == "valid" and verdict["course"]["version"] == "1.0"


def test_the_upload_page_and_actions_need_csrf(site, tmp_path):
    author = signed_in(site, "tac.gia")
    folder = version_two(tmp_path)
    assert package(site, folder, tmp_path / "k.zip").exit_code == 0
    answer = author.post("/author/courses/upload", data={
        "file": (io.BytesIO((tmp_path / "k.zip").read_bytes()), "k.zip")},
        content_type="multipart/form-data")
    assert answer.status_code == 400
    admin = signed_in(site, "quan.tri")
    assert admin.post("/admin/courses/reload", data={}).status_code == 400
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(CoursePackage)) == 0


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()


def _symlink() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("khoa-thu/lessons/link.md")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize("entries, message", [
    ([("../evil/course.yaml", b"slug: x")], "không an toàn"),
    ([("/etc/course.yaml", b"slug: x")], "không an toàn"),
    ([(_symlink(), b"/etc/passwd"), ("khoa-thu/course.yaml", b"slug: x")], "liên kết"),
    ([("khoa-thu/lessons/bomb.md", b"0" * (3 * 1024 * 1024))], "MB"),
    ([(f"khoa-thu/f{n}.md", b"x") for n in range(60)], "nhiều hơn 50 tệp"),
    ([("README.txt", b"no course here")], "course.yaml"),
])
def test_unsafe_or_empty_archives_are_refused_with_a_translated_400(
        make_app, course_root, tmp_path, entries, message):
    write_course(course_root)
    app = make_app(COURSE_DIRS=[str(course_root)], COURSE_UPLOAD_MAX_FILES=50,
                   COURSE_UPLOAD_MAX_BYTES=1024 * 1024,
                   COURSE_PACKAGES_DIR=str(tmp_path / "packages"))
    with app.app_context():
        unit = create_unit("T", "Tỉnh", "province")
        grant_role(create_user("tac.gia", "Tác Giả", PASSWORD, unit), Role.AUTHOR, unit)
        db.session.commit()
    author = signed_in(app, "tac.gia")
    answer = upload(author, _zip(entries))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and message in page, page[-3000:]
    assert not (tmp_path / "evil").exists() and not Path("/etc/course.yaml").exists()
    assert upload(author, b"not a zip at all").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CoursePackage)) == 0


def test_a_broken_upload_is_rejected_with_file_and_line_relative_to_the_upload(site, tmp_path):
    folder = version_two(tmp_path)
    (folder / "course.yaml").write_text(
        (folder / "course.yaml").read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    from elearn.content.packages import build_zip

    author = signed_in(site, "tac.gia")
    pid = package_id(upload(author, build_zip(folder)))
    page = author.get(f"/author/courses/{pid}").get_data(as_text=True)
    assert re.search(r"<code>khoa-thu/course\.yaml:\d+: [^<]*colour", page), page
    assert str(tmp_path) not in page  # no server paths
    with site.app_context():
        assert db.session.get(CoursePackage, pid).status == PackageStatus.REJECTED
    # `courses package` refuses the same folder: one line, non-zero.
    result = package(site, folder, tmp_path / "x.zip")
    assert result.exit_code == 1 and not (tmp_path / "x.zip").exists()
    assert len(result.output.strip().splitlines()) == 1 and "course.yaml:" in result.output
    admin = signed_in(site, "quan.tri")
    token = csrf_token(admin, "/admin/courses")
    admin.post(f"/admin/courses/{pid}/activate", data={"csrf_token": token})
    assert running(site).version == "1.0" and audit_count(site, "course.activate") == 0


def test_changed_content_under_the_same_version_is_warned_about(site, tmp_path):
    folder = version_two(tmp_path)
    course = folder / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace('"2.0"', '"1.0"'),
                      encoding="utf-8")
    from elearn.content.packages import build_zip

    author = signed_in(site, "tac.gia")
    page = author.get(f"/author/courses/{package_id(upload(author, build_zip(folder)))}")
    assert "version" in page.get_data(as_text=True).split('id="diff"')[1].split("</section>")[0]
    assert 'role="alert"' in page.get_data(as_text=True).split('id="diff"')[1]


@pytest.fixture(scope="module")
def example_wheel(tmp_path_factory) -> Path:
    """The example centre plugin built into a real wheel, as docs/course-format.md says."""
    work = tmp_path_factory.mktemp("wheel")
    source = PROJECT_ROOT / "plugins" / "elearn-centre-example"
    shutil.copytree(source, work / "src", ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__", "tests"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(work / "dist"), str(work / "src")], check=True,
                   capture_output=True)
    return next((work / "dist").glob("elearn_centre_example-*.whl"))


def test_a_wheel_built_from_the_example_plugin_is_accepted(make_app, tmp_path, example_wheel):
    app = make_app(PLUGINS=["elearn_centre_example"], COURSE_DIRS=[],
                   COURSE_PACKAGES_DIR=str(tmp_path / "packages"))
    with app.app_context():
        unit = create_unit("T", "Tỉnh", "province")
        grant_role(create_user("tac.gia", "Tác Giả", PASSWORD, unit), Role.AUTHOR, unit)
        db.session.commit()
    author = signed_in(app, "tac.gia")
    pid = package_id(upload(author, example_wheel.read_bytes(), example_wheel.name))
    page = author.get(f"/author/courses/{pid}").get_data(as_text=True)
    assert "cd-2018-phong-cach" in page and "badge ok" in page, page
    with app.app_context():
        assert db.session.get(CoursePackage, pid).status == PackageStatus.STAGED


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (LessonView, QuizAttempt, AuditEntry))


def test_preview_reads_the_folder_fresh_shows_keys_to_authors_and_records_nothing(
        site, course_root):
    author = signed_in(site, "tac.gia")
    before = _counts(site)
    page = author.get("/author/preview/khoa-thu").get_data(as_text=True)
    assert "Học tập và làm theo." in page and "Câu một?" in page
    assert re.search(r'class="key">[^<]*Đúng', page), page  # the key, for the author
    lesson = course_root / "khoa-thu" / "lessons" / "01-mot.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("Học tập", "Sửa xong"),
                      encoding="utf-8")
    page = author.get("/author/preview/khoa-thu").get_data(as_text=True)
    assert "Sửa xong và làm theo." in page  # no restart, no reload
    (course_root / "khoa-thu" / "course.yaml").write_text(
        (course_root / "khoa-thu" / "course.yaml").read_text(encoding="utf-8")
        + "colour: red\n", encoding="utf-8")
    page = author.get("/author/preview/khoa-thu").get_data(as_text=True)
    assert re.search(r"khoa-thu/course\.yaml:\d+", page)
    assert _counts(site) == before
    # A learner gets neither the preview nor the key.
    learner = signed_in(site, "hoc.vien")
    assert learner.get("/author/preview/khoa-thu").status_code == 403
    assert author.get("/author/preview/khong-co").status_code == 404


def test_reload_and_activation_reach_another_worker_without_restart(
        site, make_app, course_root, tmp_path):
    other = make_app(COURSE_DIRS=[str(course_root)], COURSE_REVISION_CHECK_SECONDS=0,
                     COURSE_PACKAGES_DIR=str(tmp_path / "other-host"))
    course = course_root / "khoa-thu" / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace('"1.0"', '"1.1"'),
                      encoding="utf-8")
    visitor = other.test_client()
    visitor.get("/")
    assert running(other).version == "1.0"  # a running site keeps what it loaded
    result = site.test_cli_runner().invoke(args=["elearn", "courses", "reload"])
    assert result.exit_code == 0, result.output
    visitor.get("/")
    assert running(other).version == "1.1"
    # The admin page's reload button: sent twice with the same revision, one reload.
    admin = signed_in(site, "quan.tri")
    page = admin.get("/admin/courses").get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page).group(1)
    token = csrf_token(admin, "/admin/courses")
    for _ in range(2):
        assert admin.post("/admin/courses/reload",
                          data={"csrf_token": token, "revision": revision}).status_code == 303
    assert audit_count(site, "course.reload") == 2  # the CLI's and the page's
    from elearn.content.packages import build_zip

    author = signed_in(site, "tac.gia")
    pid = package_id(upload(author, build_zip(version_two(tmp_path))))
    token = csrf_token(admin, "/admin/courses")
    admin.post(f"/admin/courses/{pid}/activate", data={"csrf_token": token})
    visitor.get("/")
    assert running(other).version == "2.0"  # extracted on the other host from the database
    assert (tmp_path / "other-host").is_dir()


def test_racing_duplicate_uploads_store_one_package_with_one_audit_entry(site, tmp_path):
    """A phone resending the upload (or a double tap) while the first is being checked."""
    from elearn.content.packages import build_zip

    data = build_zip(version_two(tmp_path))
    with serve(site) as base:
        tabs = signed_in_tabs(base, "tac.gia", PASSWORD, "/author/courses/upload", 4)
        barrier, answers = threading.Barrier(len(tabs)), []

        def send(tab, token):
            barrier.wait()
            answers.append(tab.open("POST", "/author/courses/upload", {"csrf_token": token},
                                    files={"file": ("khoa.zip", data)}))

        threads = [threading.Thread(target=send, args=pair) for pair in tabs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert sorted(answer.status for answer in answers) == [303] * 4
    assert len({answer.headers["Location"] for answer in answers}) == 1
    assert audit_count(site, "course.upload") == 1
    with site.app_context():
        assert db.session.scalar(select(func.count()).select_from(CoursePackage)) == 1


def test_racing_activations_activate_once_with_one_audit_entry(site, tmp_path):
    from elearn.content.packages import build_zip

    author = signed_in(site, "tac.gia")
    pid = package_id(upload(author, build_zip(version_two(tmp_path))))
    with serve(site) as base:
        tabs = signed_in_tabs(base, "quan.tri", PASSWORD, "/admin/courses", 4)
        answers = race(tabs, f"/admin/courses/{pid}/activate", {})
    assert [status for status, _ in answers] == [303] * 4
    assert audit_count(site, "course.activate") == 1
    with site.app_context():
        package_row = db.session.get(CoursePackage, pid)
        assert package_row.status == PackageStatus.ACTIVE
        assert package_row.activated_by is not None
