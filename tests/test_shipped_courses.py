"""The courses shipped in courses/ are real: they load, have substance, and say where their
facts are weak."""
from __future__ import annotations

from collections import Counter

import pytest

from elearn.builtins.question_types import register_question_types
from elearn.content.guessing import guessing_report
from elearn.content.loader import load_course
from elearn.content.model import CourseAudience, ReviewPolicy, TopicKind
from elearn_centre_example import COURSES as EXAMPLE_COURSES
from elearn.builtins.ordering import Ordering
from elearn_centre_example.fill_blanks import FillBlanks
from elearn.testing import PROJECT_ROOT


TYPES = {cls.name: cls() for cls in register_question_types()}
SHIPPED = {
    "cd-2016-toan-khoa": (TopicKind.FULL_TERM, 2016, CourseAudience.CADRE),
    "cd-2017-suy-thoai": (TopicKind.ANNUAL, 2017, CourseAudience.CADRE),
    "bac-ho-dao-duc-sinh-vien": (TopicKind.STUDENT, None, CourseAudience.STUDENT),
}


@pytest.fixture(scope="module", params=sorted(SHIPPED))
def course(request):
    return load_course(PROJECT_ROOT / "courses" / request.param, TYPES)


def test_shipped_course_has_the_declared_kind_year_and_audience(course):
    kind, year, audience = SHIPPED[course.slug]
    assert course.kind is kind and course.audience is audience
    if year:
        assert course.year == year and year in course.pledge_years


def test_only_party_topics_name_a_party_term(course):
    """A student course follows the school year: it names no Party term (it once showed
    "Năm 2026 · Nhiệm kỳ 2021-2025", a year outside its own term)."""
    if course.kind is TopicKind.STUDENT:
        assert course.term is None
    else:
        start, end = map(int, course.term.split("-"))
        assert start <= course.year <= end


def test_shipped_course_is_bilingual_in_title_and_description(course):
    for text in (course.title, course.description):
        assert text.get("vi") != text.get("en") and text.values.keys() >= {"vi", "en"}


def test_shipped_course_has_three_substantial_lessons(course):
    assert len(course.lessons) >= 3
    assert all(lesson.word_count >= 400 for lesson in course.lessons), \
        [(lesson.slug, lesson.word_count) for lesson in course.lessons]


def test_shipped_question_bank_is_large_and_varied(course):
    questions = course.quiz.questions
    assert len(questions) >= 20
    assert len(Counter(q.type for q in questions)) >= 3
    assert course.quiz.draw <= len(questions)
    assert all(q.prompt.values.keys() >= {"vi", "en"} for q in questions)


def test_weakly_sourced_courses_say_they_are_demo_content():
    for slug in ("cd-2017-suy-thoai", "bac-ho-dao-duc-sinh-vien"):
        description = load_course(PROJECT_ROOT / "courses" / slug, TYPES).description
        assert "demo" in description.get("vi").lower()
        assert "demo" in description.get("en").lower()


def test_the_quiz_can_be_passed_by_answering_right(course):
    """Every question's key is gradeable: the right answer earns full marks."""
    for question in course.quiz.questions:
        data = question.data
        if question.type == "single_choice":
            answer = next(o["id"] for o in data["options"] if o["correct"])
        elif question.type == "multiple_choice":
            answer = [o["id"] for o in data["options"] if o["correct"]]
        elif question.type == "true_false":
            answer = data["answer"]
        else:
            answer = data["answers"][0]
        assert TYPES[question.type].grade(question, answer).correct, question.id


# Banks rewritten so that test-taking tricks do not pass a learner who skipped the lessons.
GUESS_RESISTANT = sorted(SHIPPED)


@pytest.fixture(scope="module", params=GUESS_RESISTANT)
def resistant(request):
    return load_course(PROJECT_ROOT / "courses" / request.param, TYPES)


def test_every_question_names_a_lesson_and_every_lesson_has_variety(resistant):
    lessons = {lesson.slug for lesson in resistant.lessons}
    per_lesson = Counter(q.lesson for q in resistant.quiz.questions)
    assert set(per_lesson) == lessons, set(per_lesson) ^ lessons
    assert min(per_lesson.values()) >= 10, per_lesson
    for lesson in lessons:
        kinds = Counter(q.type for q in resistant.quiz.questions if q.lesson == lesson)
        answers = [q.data["answer"] for q in resistant.quiz.questions
                   if q.lesson == lesson and q.type == "true_false"]
        assert kinds["true_false"] <= 0.2 * per_lesson[lesson], (lesson, kinds)
        assert abs(answers.count(True) - answers.count(False)) <= 1, (lesson, answers)


def test_ticking_every_box_earns_nothing(resistant):
    for question in resistant.quiz.questions:
        if question.type == "multiple_choice":
            options = question.data["options"]
            assert sum(not o["correct"] for o in options) >= 2, question.id
            everything = [o["id"] for o in options]
            assert TYPES["multiple_choice"].grade(question, everything).fraction == 0, question.id


def test_the_longest_option_is_rarely_the_key(resistant):
    def length(option):
        return len(option["text"].get("vi"))

    single = [q for q in resistant.quiz.questions if q.type == "single_choice"]
    key_longest = key_shortest = 0
    for question in single:
        options = question.data["options"]
        assert len(options) == 4, question.id
        key = next(o for o in options if o["correct"])
        others = [length(o) for o in options if o is not key]
        key_longest += length(key) > max(others)
        key_shortest += length(key) < min(others)
    assert key_longest <= len(single) / 4, (key_longest, len(single))
    assert key_shortest <= len(single) / 4, (key_shortest, len(single))


# -- guessing resistance and review: a non-reader must not pass by luck -----------------------

ALL_TYPES = {**TYPES, Ordering.name: Ordering(), FillBlanks.name: FillBlanks()}
EVERY_SHIPPED = [PROJECT_ROOT / "courses" / slug for slug in sorted(SHIPPED)] + \
    [EXAMPLE_COURSES / "cd-2018-phong-cach"]


@pytest.fixture(scope="module", params=EVERY_SHIPPED, ids=lambda path: path.name)
def any_shipped(request):
    return load_course(request.param, ALL_TYPES)


def test_shipped_review_reveals_no_key_before_the_last_attempt(any_shipped):
    assert any_shipped.quiz.review in (ReviewPolicy.AFTER_LAST_ATTEMPT, ReviewPolicy.AFTER_PASS,
                                       ReviewPolicy.SCORE_ONLY)
    assert any_shipped.quiz.max_attempts > 0


def test_shipped_quiz_covers_every_lesson_in_every_attempt(any_shipped):
    blueprint = any_shipped.quiz.blueprint
    assert blueprint is not None and blueprint.per_lesson
    assert blueprint.lessons == tuple(lesson.slug for lesson in any_shipped.lessons)


def test_a_non_reader_passes_a_shipped_quiz_at_most_5_percent_of_the_time(any_shipped):
    """Exact odds within the allowed attempts, for every strategy and the worst mix of them
    (the shipped banks once let a non-reader pass 29–60 % of the time)."""
    report = guessing_report(any_shipped.quiz, ALL_TYPES)
    assert any_shipped.quiz.max_guess_pass_probability <= 0.05
    assert {odds.strategy: float(odds.within_attempts) for odds in report.odds
            if odds.within_attempts > 0.05} == {}


def test_the_catalogue_shows_a_term_only_for_party_topics(client):
    page = client.get("/").get_data(as_text=True)
    assert "Nhiệm kỳ 2016-2021" in page
    assert "Nhiệm kỳ 2021-2025" not in page and page.count("Nhiệm kỳ") == 2
