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


def test_a_lesson_named_as_a_vietnamese_author_would_says_what_to_rename_it_to(course_root):
    folder = write_course(course_root)
    (folder / "lessons" / "01-mot.md").rename(folder / "lessons" / "Bài-1.md")
    course = folder / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("01-mot.md", "Bài-1.md"),
                      encoding="utf-8")
    errors = errors_of(folder)
    assert ("course.yaml", 10) in {(name, line) for name, line, _ in errors}
    assert any("rename lessons/Bài-1.md to lessons/bai-1.md" in message
               for *_, message in errors), errors


STUDENT = COURSE.format(slug="sinh-vien").replace("kind: annual", "kind: student")


def test_a_student_course_needs_no_term_but_a_party_topic_does(course_root):
    no_term = STUDENT.replace('term: "2016-2021"\n', "")
    course = load_course(write_course(course_root, "sinh-vien", course=no_term), TYPES)
    assert course.term is None and course.year == 2017
    annual = COURSE.format(slug="nam").replace('term: "2016-2021"\n', "")
    errors = errors_of(write_course(course_root, "nam", course=annual))
    assert [(name, line) for name, line, _ in errors] == [("course.yaml", 1)]
    assert "required except for student courses" in errors[0][2]


def test_the_year_must_fall_within_the_term(course_root):
    after = COURSE.format(slug="sau").replace("year: 2017", "year: 2022")
    errors = errors_of(write_course(course_root, "sau", course=after))
    assert errors == [("course.yaml", 7, "'year' 2022 is outside the term 2016-2021")]
    last = COURSE.format(slug="cuoi").replace("year: 2017", "year: 2021")
    assert load_course(write_course(course_root, "cuoi", course=last), TYPES).year == 2021
    backwards = COURSE.format(slug="nguoc").replace('"2016-2021"', '"2021-2016"')
    assert ("course.yaml", 6) in {(n, line) for n, line, _ in
                                  errors_of(write_course(course_root, "nguoc", course=backwards))}


BILINGUAL = COURSE.format(slug="song-ngu") + "languages: [vi, en]\n"
VI_ONLY_TITLE = "---\ntitle: \"Bài một\"\n---\n## Nội dung\n\nHọc tập.\n"


def test_an_english_lesson_file_gives_its_title_summary_and_body(course_root):
    folder = write_course(course_root, "song-ngu", course=BILINGUAL,
                          lessons={"01-mot.md": VI_ONLY_TITLE})
    (folder / "lessons" / "01-mot.en.md").write_text(
        "---\ntitle: \"Lesson one\"\nsummary: \"In short.\"\n---\n## Contents\n\nStudy.\n",
        encoding="utf-8")
    # An English summary needs the Vietnamese one it translates.
    assert errors_of(folder) == [("01-mot.md", 2, "'summary' needs Vietnamese text (vi)")]
    lesson_file = folder / "lessons" / "01-mot.md"
    lesson_file.write_text(VI_ONLY_TITLE.replace("---\n##", "summary: Tóm lại.\n---\n##"),
                           encoding="utf-8")
    lesson = load_course(folder, TYPES).lessons[0]
    assert lesson.title.get("vi") == "Bài một" and lesson.title.get("en") == "Lesson one"
    assert lesson.summary.get("vi") == "Tóm lại." and lesson.summary.get("en") == "In short."
    assert "<h2>Contents</h2>" in lesson.html_for("en")


def test_an_english_lesson_file_is_validated_like_the_vietnamese_one(course_root):
    folder = write_course(course_root, "song-ngu", course=BILINGUAL)
    (folder / "lessons" / "01-mot.en.md").write_text(
        "---\ntitle: \"Lesson one\"\ncolour: red\n---\n![x](../assets/none.png)\n",
        encoding="utf-8")
    (folder / "lessons" / "02-hai.en.md").write_text("---\ntitle: Two\n---\n\n",
                                                     encoding="utf-8")
    errors = errors_of(folder)
    located = {(name, line) for name, line, _ in errors}
    assert ("01-mot.en.md", 3) in located   # unknown field
    assert ("01-mot.en.md", 5) in located   # missing image
    assert ("01-mot.md", 2) in located      # title in English twice (vi file has en)
    assert ("02-hai.en.md", 4) in located   # no text
    assert len(errors) == 5, errors          # 02-hai: its title has English twice too


def test_an_english_lesson_file_needs_en_in_languages(course_root):
    folder = write_course(course_root)
    (folder / "lessons" / "01-mot.en.md").write_text("## Contents\n\nStudy.\n", encoding="utf-8")
    errors = errors_of(folder)
    assert [(name, line) for name, line, _ in errors] == [("01-mot.en.md", None)]
    assert "does not list en" in errors[0][2]


def test_raw_html_is_sanitised_not_shown_as_text(course_root):
    body = ("H<sub>2</sub>O và x<sup>2</sup>\n\n<script>alert(1)</script>\n\n"
            "<b onclick=\"x()\">đậm</b>")
    folder = write_course(course_root, lessons={"01-mot.md": LESSON.format(n=1, body=body)})
    html = load_course(folder, TYPES).lessons[0].html_for("vi")
    assert "H<sub>2</sub>O" in html and "x<sup>2</sup>" in html and "<b>đậm</b>" in html
    assert "&lt;" not in html and "script" not in html and "alert" not in html
    assert "onclick" not in html


def test_draw_counts_every_entry_of_the_bank_even_one_that_is_not_a_question(course_root):
    bank = BANK + "  - \"Một câu viết nhầm thành chuỗi\"\n"
    course = COURSE.format(slug="khoa-thu").replace("draw: 2", "draw: 3")
    errors = errors_of(write_course(course_root, course=course, bank=bank))
    assert [(name, line) for name, line, _ in errors] == [("bank.yaml", 12)]
    too_many = COURSE.format(slug="khoa-bon").replace("draw: 2", "draw: 4")
    errors = errors_of(write_course(course_root, "khoa-bon", course=too_many, bank=bank))
    assert ("course.yaml", 14, "'draw' is 4 but the bank has only 3 questions") in errors
