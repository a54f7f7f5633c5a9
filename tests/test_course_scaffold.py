"""`flask elearn courses new` writes a course that `courses check` accepts as created, and
`courses check` refuses what the site would refuse (completion rules) and warns when content
changed under a version learners already used."""
from __future__ import annotations

import logging
import re

import pytest
import yaml

from elearn.content.loader import _COURSE_KEYS as COURSE_KEYS, _QUIZ_KEYS as QUIZ_KEYS
from elearn.extensions import db
from elearn.registry import current_registry
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit
from elearn.services.progress import open_lesson
from elearn.testing import PROJECT_ROOT, write_course
from elearn.testing.courses import COURSE


def run(app, *words):
    return app.test_cli_runner().invoke(args=["elearn", *words])


def test_a_new_course_passes_the_check_as_created(app, tmp_path):
    created = run(app, "courses", "new", "khoa-moi", "--dir", str(tmp_path))
    assert created.exit_code == 0, created.output
    folder = tmp_path / "khoa-moi"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) \
        == ["assets/README.txt", "course.yaml", "lessons/01-gioi-thieu.md",
            "lessons/02-ngan-hang-cau-hoi.md", "quizzes/bank.yaml"]
    checked = run(app, "courses", "check", str(folder))
    assert checked.exit_code == 0, checked.output
    assert "ok  khoa-moi  v0.1.0" in checked.output
    assert "KHÔNG ĐẠT" not in checked.output and "cảnh báo" not in checked.output


def test_the_new_course_yaml_has_every_field_commented_in_both_languages(app, tmp_path):
    run(app, "courses", "new", "khoa-moi", "--dir", str(tmp_path))
    text = (tmp_path / "khoa-moi" / "course.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert set(data) == COURSE_KEYS and set(data["quiz"]) == QUIZ_KEYS
    fields = set(data) | set(data["quiz"])
    lines = text.splitlines()
    for index, line in enumerate(lines):
        field = re.match(r"^(?:  )?([a-z_]+):", line)
        if field and field.group(1) in fields and not line.startswith("  vi:"):
            comment = []
            back = index - 1
            while back >= 0 and lines[back].lstrip().startswith("#"):
                comment.insert(0, lines[back])
                back -= 1
            said = " ".join(comment)
            assert "|" in said, f"field without a Vietnamese | English comment: {line}"


@pytest.mark.parametrize("slug", ["Khoa-Moi", "khóa-mới", "khoa moi", "khoa-", "a" * 65])
def test_a_bad_slug_is_refused_in_one_line_and_nothing_is_written(app, course_root, slug):
    result = run(app, "courses", "new", slug, "--dir", str(course_root))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "chữ thường không dấu" in result.output
    assert not any(course_root.iterdir())


def test_an_existing_folder_is_refused_and_left_alone(app, tmp_path):
    (tmp_path / "khoa-moi").mkdir()
    (tmp_path / "khoa-moi" / "course.yaml").write_text("của tác giả")
    result = run(app, "courses", "new", "khoa-moi", "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "đã có" in result.output
    assert (tmp_path / "khoa-moi" / "course.yaml").read_text() == "của tác giả"


def with_rule(course_root, slug, rule, *, quiz=True):
    text = COURSE.format(slug=slug) + f"completion_rule: {rule}\n"
    if not quiz:
        text = text.split("quiz:\n")[0] + f"completion_rule: {rule}\n"
    return write_course(course_root, slug, course=text)


def test_check_refuses_an_unknown_completion_rule_with_its_line(app, course_root):
    folder = with_rule(course_root, "khoa-la", "lessons_and_exam")
    result = run(app, "courses", "check", str(folder))
    assert result.exit_code == 1
    line = COURSE.format(slug="khoa-la").count("\n") + 1
    assert f"{folder / 'course.yaml'}:{line}:" in result.output
    assert "lessons_and_exam" in result.output and "ok  khoa-la" not in result.output


def test_quiz_only_without_a_quiz_is_refused_by_check_and_by_the_site(make_app, course_root,
                                                                      caplog):
    folder = with_rule(course_root, "khoa-khong-quiz", "quiz_only", quiz=False)
    with_rule(course_root, "khoa-bai", "lessons_only", quiz=False)
    caplog.set_level(logging.ERROR)
    app = make_app(COURSE_DIRS=[str(course_root)])
    result = run(app, "courses", "check", str(folder))
    assert result.exit_code == 1
    assert "quiz_only" in result.output and "ok  khoa-khong-quiz" not in result.output
    with app.app_context():
        registry = current_registry()
        assert "khoa-bai" in registry.courses
        assert "khoa-khong-quiz" not in registry.courses
        assert [p.folder.name for p in registry.course_problems] == ["khoa-khong-quiz"]
    everything = run(app, "courses", "check")
    assert everything.exit_code == 1 and "quiz_only" in everything.output


def test_check_warns_when_content_changed_under_a_version_learners_used(make_app, course_root):
    folder = write_course(course_root, "khoa-thu")
    app = make_app(COURSE_DIRS=[str(course_root)])
    with app.app_context():
        unit = create_unit("T", "Tỉnh thử", "province")
        learner = create_user("hocvien", "Học Viên", "mat-khau-dai", unit)
        db.session.commit()
        course = current_registry().course("khoa-thu")
        open_lesson(learner, course, course.lessons[0])
    unchanged = run(app, "courses", "check", str(folder))
    assert "version" not in unchanged.output.replace("v1.0", ""), unchanged.output

    lesson = folder / "lessons" / "01-mot.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nThêm một câu.\n", encoding="utf-8")
    changed = run(app, "courses", "check", str(folder))
    assert "khoa-thu" in changed.output and "'version'" in changed.output
    assert course.content_hash[:12] in changed.output
    assert changed.exit_code == 1  # still the two-question quiz's guessing failure only
    assert changed.output.count("cảnh báo: khoa-thu:") == 1

    course_file = folder / "course.yaml"
    course_file.write_text(course_file.read_text().replace('version: "1.0"', 'version: "1.1"'))
    bumped = run(app, "courses", "check", str(folder))
    assert "'version'" not in bumped.output, bumped.output


def test_check_without_a_database_still_checks_and_says_versions_were_not_compared(
        make_app, course_root, tmp_path):
    folder = write_course(course_root, "khoa-thu")
    missing = tmp_path / "khong-co.sqlite3"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    result = run(app, "courses", "check", str(folder))
    assert "ok  khoa-thu" in result.output
    assert "không kết nối được cơ sở dữ liệu" in result.output
    assert not missing.exists()  # checking content never creates a database file


def test_the_format_documents_every_field_with_required_type_default_and_constraint():
    text = (PROJECT_ROOT / "docs" / "course-format.md").read_text(encoding="utf-8")
    rows = {match.group(1): match.group(0) for match in
            re.finditer(r"^\| `([a-z_]+)` \|[^\n]*\|$", text, re.MULTILINE)}
    for key in COURSE_KEYS | QUIZ_KEYS:
        assert key in rows, f"docs/course-format.md has no table row for {key}"
        cells = re.split(r"(?<!\\)\|", rows[key])[1:-1]  # `\|` inside a cell is text
        assert len(cells) == 5 and all(c.strip() for c in cells[:3]), rows[key]
    for words in ("ELEARN_COURSE_DIRS", "Restart the site", "flask elearn courses new"):
        assert words in text
