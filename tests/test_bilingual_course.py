"""Issue #14, items 6 and 13: one shipped course is fully bilingual, every other shipped course
tells an English reader that its lessons are in Vietnamese only, and `courses check` says
where a course that declares English still has none."""
from __future__ import annotations

import pytest

from elearn.content.english_coverage import english_gaps
from elearn.content.loader import load_course
from elearn.extensions import db
from elearn.registry import current_registry
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit
from elearn.testing import login, write_course
from elearn.testing.courses import COURSE

from kit import PASSWORD

BILINGUAL = "cd-2016-toan-khoa"
COURSE_NOTICE = "The lessons of this course are available in Vietnamese only."
LESSON_NOTICE = "This lesson is available in Vietnamese only."
# One sentence of each English lesson body, and the Vietnamese heading every body opens with.
ENGLISH_BODY = {
    "01-tu-tuong": "Nothing is more precious than independence and freedom.",
    "02-dao-duc": "A living example persuades more than many speeches.",
    "03-phong-cach": "this unity of his words and his deeds",
    "04-hoc-tap-va-lam-theo": "superiors first, subordinates after; inside first, outside after",
}
VIETNAMESE_HEADING = "Mục tiêu của bài"


@pytest.fixture
def shipped(app):
    """The site with the shipped courses, a cadre and a student reading in English."""
    with app.app_context():
        province = create_unit("T", "Tỉnh", "province")
        create_user("can.bo", "Nguyễn Văn Cán", PASSWORD, province)
        create_user("sinh.vien", "Trần Thị Sinh", PASSWORD, province, audience="student")
        db.session.commit()
    return app


def english_reader(app, username: str):
    client = app.test_client()
    client.set_cookie("lang", "en")
    login(client, username, PASSWORD)
    return client


def test_an_english_reader_of_the_2016_course_reads_english_bodies_without_a_notice(shipped):
    client = english_reader(shipped, "can.bo")
    course = client.get(f"/courses/{BILINGUAL}/").get_data(as_text=True)
    assert "Vietnamese only" not in course
    for stem, sentence in ENGLISH_BODY.items():
        response = client.get(f"/courses/{BILINGUAL}/lessons/{stem}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert sentence in page, stem
        assert "Aims of the lesson" in page and VIETNAMESE_HEADING not in page, stem
        assert LESSON_NOTICE not in page, stem


def test_a_vietnamese_reader_of_the_2016_course_still_reads_vietnamese(shipped):
    client = shipped.test_client()
    client.set_cookie("lang", "vi")
    login(client, "can.bo", PASSWORD)
    page = client.get(f"/courses/{BILINGUAL}/lessons/01-tu-tuong").get_data(as_text=True)
    assert VIETNAMESE_HEADING in page and "Aims of the lesson" not in page


def test_every_other_shipped_course_tells_an_english_reader_it_is_in_vietnamese_only(shipped):
    with shipped.app_context():
        courses = {slug: (course.audience.value, [lesson.slug for lesson in course.lessons])
                   for slug, course in current_registry().courses.items()}
    others = {slug: value for slug, value in courses.items() if slug != BILINGUAL}
    assert BILINGUAL in courses and others  # the check below must have courses to look at
    for slug, (audience, lessons) in others.items():
        client = english_reader(shipped, "sinh.vien" if audience == "student" else "can.bo")
        course = client.get(f"/courses/{slug}/")
        assert course.status_code == 200, slug
        assert COURSE_NOTICE in course.get_data(as_text=True), slug
        lesson = client.get(f"/courses/{slug}/lessons/{lessons[0]}").get_data(as_text=True)
        assert LESSON_NOTICE in lesson, slug


def test_a_shipped_course_that_declares_english_has_english_everywhere(app):
    with app.app_context():
        declaring = [course for course in current_registry().courses.values()
                     if "en" in course.languages]
        assert [course.slug for course in declaring] == [BILINGUAL]
        for course in declaring:
            assert [str(gap) for gap in english_gaps(course)] == []
            assert all(lesson.available_in("en") for lesson in course.lessons)
            assert course.version != "1.1.0"  # the content changed, so must the version


@pytest.fixture
def half_translated(app, course_root):
    """A course that declares English, with one English lesson body only; the test bank has
    Vietnamese-only options and a Vietnamese-only prompt."""
    folder = write_course(course_root, "nua-voi",
                          course=COURSE.format(slug="nua-voi")
                          # the test bank is easy to guess: only the English gaps are at stake
                          + "  max_guess_pass_probability: 1\nlanguages: [vi, en]\n")
    (folder / "lessons" / "01-mot.en.md").write_text("## Contents\n\nStudy and follow.\n",
                                                     encoding="utf-8")
    return folder


def located(gaps) -> set[tuple[str, int | None]]:
    return {(gap.path.name, gap.line) for gap in gaps}


def test_check_names_every_missing_english_text_with_file_and_line(app, half_translated):
    with app.app_context():
        course = load_course(half_translated, current_registry().question_types)
        gaps = english_gaps(course)
    assert located(gaps) == {
        ("course.yaml", 4),    # description
        ("course.yaml", 11),   # 02-hai.md has no .en.md
        ("bank.yaml", 6),      # q1 option a
        ("bank.yaml", 7),      # q1 option b
        ("bank.yaml", 10),     # q2 prompt
    }
    messages = " ".join(str(gap) for gap in gaps)
    assert "lessons/02-hai.en.md" in messages and "q1" in messages and "q2" in messages


def test_courses_check_prints_the_gaps_as_warnings_without_failing(app, half_translated):
    result = app.test_cli_runner().invoke(
        args=["elearn", "courses", "check", str(half_translated)])
    assert result.exit_code == 0, result.output
    course_file = half_translated / "course.yaml"
    assert f"{course_file}:11: bài 02-hai.md chưa có bản tiếng Anh" in result.output
    assert f"{half_translated / 'quizzes' / 'bank.yaml'}:6: câu q1: phương án a chưa có " \
           "tiếng Anh (en)" in result.output


def test_a_vietnamese_only_course_has_no_english_gaps(app, course_root):
    folder = write_course(course_root, "chi-tieng-viet")
    with app.app_context():
        course = load_course(folder, current_registry().question_types)
    assert english_gaps(course) == []


@pytest.mark.parametrize("question_id, typed", [
    ("q52", "five"), ("q52", "5 facets"), ("q02", "Directive 05-CT/TW"),
    ("q07", "độc lập"), ("q14", "trong")])  # these two ask for the Vietnamese word, quoted
def test_typed_answers_an_english_reader_gives_count(app, question_id, typed):
    with app.app_context():
        registry = current_registry()
        course = registry.course(BILINGUAL)
        question = next(q for q in course.quiz.questions if q.id == question_id)
        assert registry.question_types[question.type].grade(question, typed).correct


def test_a_lesson_title_without_english_is_named_at_its_line(app, course_root):
    vietnamese_title = '---\ntitle: "Bài hai"\n---\n## Nội dung\n\nHọc.\n'
    folder = write_course(course_root, "tieu-de", course=COURSE.format(slug="tieu-de")
                          + "languages: [vi, en]\n", lessons={"02-hai.md": vietnamese_title})
    with app.app_context():
        course = load_course(folder, current_registry().question_types)
        gaps = english_gaps(course)
    assert ("02-hai.md", 2) in located(gaps)
    assert ("01-mot.md", 2) not in located(gaps)  # its title has en
