"""Parsed courses are cached by folder and file fingerprint: an unchanged folder is parsed
once, any edit is parsed again, and no app can change the course another app sees."""
from __future__ import annotations

import os

import pytest

from elearn.builtins.question_types import register_question_types
from elearn.content import loader
from elearn.content.errors import CourseLoadError
from elearn.content.loader import load_course
from elearn.testing import write_course


TYPES = {cls.name: cls() for cls in register_question_types()}


class YesNo(type(TYPES["true_false"])):
    """A plugin's question type: the core alone does not know it."""

    name = "yes_no"


PLUGIN_BANK = """\
questions:
  - id: q1
    type: yes_no
    prompt: "Đồng ý?"
    answer: false
  - id: q2
    type: true_false
    prompt: "Câu hai?"
    answer: true
"""


@pytest.fixture
def parses(monkeypatch) -> list:
    """Record every real parse of a course folder (the parser still runs)."""
    calls: list = []
    parse = loader._parse_course

    def counting(folder, *args, **kwargs):
        calls.append(folder.name)
        return parse(folder, *args, **kwargs)

    monkeypatch.setattr(loader, "_parse_course", counting)
    return calls


def test_an_unchanged_folder_is_parsed_once(course_root, parses):
    folder = write_course(course_root)
    first, second = load_course(folder, TYPES), load_course(folder, TYPES)
    assert parses == ["khoa-thu"]
    assert first == second and first.content_hash == second.content_hash


def test_an_edited_lesson_is_parsed_again(course_root, parses):
    folder = write_course(course_root)
    before = load_course(folder, TYPES)
    lesson = folder / "lessons" / "01-mot.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("Nội dung", "Nội dung mới"),
                      encoding="utf-8")
    after = load_course(folder, TYPES)
    assert parses == ["khoa-thu", "khoa-thu"]
    assert "Nội dung mới" in after.lessons[0].html_for("vi")
    assert "Nội dung mới" not in before.lessons[0].html_for("vi")
    assert after.content_hash != before.content_hash


def test_a_touched_file_is_parsed_again_with_the_same_hash(course_root, parses):
    folder = write_course(course_root)
    before = load_course(folder, TYPES)
    bank = folder / "quizzes" / "bank.yaml"
    stat = bank.stat()
    os.utime(bank, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    after = load_course(folder, TYPES)
    assert parses == ["khoa-thu", "khoa-thu"]
    assert after.content_hash == before.content_hash  # the evidence hash is contents only


def test_a_broken_edit_is_reported_not_served_from_the_cache(course_root):
    folder = write_course(course_root)
    load_course(folder, TYPES)
    (folder / "quizzes" / "bank.yaml").write_text("questions: [", encoding="utf-8")
    with pytest.raises(CourseLoadError):
        load_course(folder, TYPES)


def test_other_question_types_parse_the_folder_again(course_root):
    folder = write_course(course_root, bank=PLUGIN_BANK)
    with pytest.raises(CourseLoadError):
        load_course(folder, TYPES)  # `yes_no` is unknown to the core alone
    course = load_course(folder, {**TYPES, "yes_no": YesNo()})
    assert [q.type for q in course.quiz.questions] == ["yes_no", "true_false"]
    with pytest.raises(CourseLoadError):
        load_course(folder, TYPES)  # and the plugin's parse is not served to the core alone


def test_one_callers_changes_do_not_reach_another(course_root):
    folder = write_course(course_root)
    mine = load_course(folder, TYPES)
    mine.quiz.questions[0].data["options"][0]["correct"] = False
    mine.quiz.questions[0].data["options"].append({"id": "z", "text": "Thêm", "correct": True})
    mine.lessons[0].html["vi"] = "<p>đã đổi</p>"
    theirs = load_course(folder, TYPES)
    assert [o["id"] for o in theirs.quiz.questions[0].data["options"]] == ["a", "b"]
    assert theirs.quiz.questions[0].data["options"][0]["correct"] is True
    assert "<h2>Nội dung</h2>" in theirs.lessons[0].html_for("vi")


def test_a_new_app_sees_an_edited_course(make_app, course_root):
    folder = write_course(course_root)
    first = make_app(COURSE_DIRS=[str(course_root)])
    course_yaml = folder / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace(
        'version: "1.0"', 'version: "1.1"'), encoding="utf-8")
    second = make_app(COURSE_DIRS=[str(course_root)])
    assert first.extensions["elearn.registry"].course("khoa-thu").version == "1.0"
    assert second.extensions["elearn.registry"].course("khoa-thu").version == "1.1"
