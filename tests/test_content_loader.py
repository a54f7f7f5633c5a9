"""Course folders: valid ones load into frozen values; broken ones list every problem
with the right file and line."""
from __future__ import annotations

import dataclasses

import pytest

from elearn.builtins.question_types import register_question_types
from elearn.content.errors import CourseLoadError
from elearn.content.loader import load_course
from elearn.content.model import CourseAudience, TopicKind
from elearn.testing import write_course
from elearn.testing.courses import BANK, COURSE, LESSON, dedent


TYPES = {cls.name: cls() for cls in register_question_types()}


def errors_of(folder):
    with pytest.raises(CourseLoadError) as caught:
        load_course(folder, TYPES)
    return [(e.path.name, e.line, str(e.message)) for e in caught.value.errors]


def test_valid_course_loads_with_lessons_quiz_and_hash(course_root):
    course = load_course(write_course(course_root), TYPES)
    assert course.slug == "khoa-thu"
    assert course.kind is TopicKind.ANNUAL and course.audience is CourseAudience.ALL
    assert course.title.get("en") == "Test course khoa-thu"
    assert course.title.get("vi") == "Khóa thử khoa-thu"
    assert [lesson.slug for lesson in course.lessons] == ["01-mot", "02-hai"]
    assert "<h2>Nội dung</h2>" in course.lessons[0].html_for("vi")
    assert [q.id for q in course.quiz.questions] == ["q1", "q2"]
    assert course.quiz.pass_mark == 50 and course.quiz.draw == 2
    assert len(course.content_hash) == 64
    with pytest.raises(dataclasses.FrozenInstanceError):
        course.slug = "changed"


def test_content_hash_changes_with_any_file(course_root):
    folder = write_course(course_root)
    before = load_course(folder, TYPES).content_hash
    assert load_course(folder, TYPES).content_hash == before
    (folder / "assets" / "picture.txt").write_text("x")
    assert load_course(folder, TYPES).content_hash != before


def test_every_problem_is_listed_with_file_and_line(course_root):
    course = dedent("""
        slug: Bad Slug
        version: 1.0
        title: {en: "Only English"}
        description: "Mô tả"
        kind: yearly
        term: "2016-2021"
        year: 2030
        audience: cadre
        colour: red
        lessons:
          - 01-mot.md
          - 09-missing.md
        quiz:
          bank: quizzes/bank.yaml
          draw: 9
          pass_mark: 150
        """)
    bank = dedent("""
        questions:
          - id: q1
            type: single_choice
            prompt: "Không có đáp án đúng?"
            options:
              - {id: a, text: "Một"}
              - {id: b, text: "Hai"}
          - id: q1
            type: essay
            prompt: "Loại lạ"
          - id: q3
            type: true_false
            prompt: "Thiếu đáp án"
        """)
    errors = errors_of(write_course(course_root, "bad", course=course, bank=bank))
    located = {(name, line) for name, line, _ in errors}
    assert ("course.yaml", 1) in located      # slug
    assert ("course.yaml", 2) in located      # version not a string
    assert ("course.yaml", 3) in located      # title lacks vi
    assert ("course.yaml", 5) in located      # kind
    assert ("course.yaml", 7) in located      # year outside term
    assert ("course.yaml", 9) in located      # unknown field
    assert ("course.yaml", 12) in located     # missing lesson file
    assert ("course.yaml", 16) in located     # pass mark
    assert ("bank.yaml", 5) in located        # no correct option (at 'options')
    assert ("bank.yaml", 8) in located        # duplicate id
    assert ("bank.yaml", 9) in located        # unknown type
    assert ("bank.yaml", 11) in located       # true_false without answer (the mapping)
    messages = " ".join(message for *_, message in errors)
    assert "unknown question type 'essay'" in messages
    assert "lessons/09-missing.md not found" in messages


def test_yaml_syntax_error_reports_its_line(course_root):
    broken = BANK + "  - id: q3\n    prompt: [unclosed\n"
    errors = errors_of(write_course(course_root, bank=broken))
    assert len(errors) == 1
    name, line, message = errors[0]
    assert name == "bank.yaml" and line in (14, 15) and "YAML syntax error" in message


def test_lesson_front_matter_problems_point_into_the_lesson(course_root):
    lesson = "---\ntitle: {vi: \"Bài\"}\nreading_minutes: lots\n---\nNội dung.\n"
    errors = errors_of(write_course(course_root, lessons={"02-hai.md": lesson}))
    assert errors == [("02-hai.md", 3, "'reading_minutes' must be a whole number from 1 to 600")]


def test_lesson_without_front_matter_is_an_error(course_root):
    errors = errors_of(write_course(course_root, lessons={"01-mot.md": "# Không có phần đầu\n"}))
    assert errors[0][:2] == ("01-mot.md", 1)


def test_images_must_be_local_assets(course_root):
    lesson = LESSON.format(n=1, body="![ảnh](https://example.com/x.png)\n\n![ảnh](../assets/nope.png)")
    errors = errors_of(write_course(course_root, lessons={"01-mot.md": lesson}))
    assert [(name, line) for name, line, _ in errors] == [("01-mot.md", 6), ("01-mot.md", 8)]


def test_lesson_paths_cannot_escape_the_course_folder(course_root, tmp_path):
    (tmp_path / "secret.md").write_text("---\ntitle: x\n---\nsecret\n")
    course = write_course(course_root).joinpath("course.yaml")
    course.write_text(course.read_text().replace("02-hai.md", "../../../secret.md"))
    errors = errors_of(course.parent)
    assert errors[0][0] == "course.yaml" and "not found" in errors[0][2]


def test_a_course_written_with_the_retired_scope_key_still_loads(course_root):
    """`scope` never restricted anything, so the model no longer has it; folders that carry
    it keep loading (and any really unknown key is still refused)."""
    course = load_course(write_course(
        course_root, course=COURSE.format(slug="khoa-thu") + "scope: central\n"), TYPES)
    assert course.slug == "khoa-thu" and not hasattr(course, "scope")
    folder = write_course(course_root, "khoa-hai",
                          course=COURSE.format(slug="khoa-hai") + "scoop: central\n")
    assert any(path == "course.yaml" for path, _line, _message in errors_of(folder))
