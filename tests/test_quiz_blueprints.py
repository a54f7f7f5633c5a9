"""Quiz blueprints (`quiz.draw`): a whole number draws from the whole bank; {per_lesson: N}
draws N from every lesson; {by_tag: {tag: N}} N from every tag. Every mistake is reported with
its file and line, and the draw is reproducible from the attempt's seed."""
from __future__ import annotations

from collections import Counter

import pytest

from elearn.builtins.question_types import register_question_types
from elearn.content.errors import CourseLoadError
from elearn.content.loader import load_course
from elearn.services.quiz import draw_questions
from elearn.testing import write_course
from elearn.testing.courses import dedent


TYPES = {cls.name: cls() for cls in register_question_types()}

COURSE = dedent("""
    slug: khoa-rut
    version: "1.0"
    title: "Khóa thử"
    description: "Khóa học dùng để kiểm thử."
    kind: annual
    term: "2016-2021"
    year: 2017
    audience: all
    lessons:
      - 01-mot.md
      - 02-hai.md
    quiz:
      bank: quizzes/bank.yaml
      draw: {draw}
      pass_mark: 60
      shuffle: {shuffle}
""")


def question(n: int, lesson: str | None, tags: list[str] = ()) -> str:
    lines = [f"  - id: q{n}", "    type: true_false", f'    prompt: "Câu {n}?"',
             "    answer: true"]
    if lesson:
        lines.append(f"    lesson: {lesson}")
    if tags:
        lines.append(f"    tags: [{', '.join(tags)}]")
    return "\n".join(lines) + "\n"


def bank(*questions: str) -> str:
    return "questions:\n" + "".join(questions)


# 3 questions for lesson one (tags a), 4 for lesson two (tags b)
LESSONED = bank(*(question(n, "01-mot", ["a"]) for n in range(1, 4)),
                *(question(n, "02-hai", ["b"]) for n in range(4, 8)))


def load(course_root, draw: str, bank_text: str, *, shuffle: bool = True, slug="khoa-rut"):
    course = COURSE.format(draw=draw, shuffle=str(shuffle).lower()).replace("khoa-rut", slug)
    return load_course(write_course(course_root, slug, course=course, bank=bank_text), TYPES)


def errors(course_root, draw: str, bank_text: str, slug: str = "khoa-rut"
           ) -> list[tuple[str, int, str]]:
    with pytest.raises(CourseLoadError) as caught:
        load(course_root, draw, bank_text, slug=slug)
    return [(e.path.name, e.line, str(e.message)) for e in caught.value.errors]


def lesson_of(course, qid: str) -> str:
    return course.quiz.question(qid).lesson


def test_per_lesson_draws_from_every_lesson_in_every_attempt(course_root):
    course = load(course_root, "{per_lesson: 2}", LESSONED)
    assert course.quiz.draw == 4
    orders = set()
    for seed in range(200):
        ids = draw_questions(course, seed)
        assert len(set(ids)) == 4
        assert Counter(lesson_of(course, qid) for qid in ids) == {"01-mot": 2, "02-hai": 2}
        assert draw_questions(course, seed) == ids  # the stored seed redraws the same
        orders.add(tuple(ids))
    # shuffled across lessons, not lesson one first
    assert any(lesson_of(course, ids[0]) == "02-hai" for ids in orders)
    assert len({qid for ids in orders for qid in ids}) == 7  # every question can come up


def test_without_shuffle_the_draw_keeps_bank_order(course_root):
    course = load(course_root, "{per_lesson: 1}", LESSONED, shuffle=False)
    for seed in range(20):
        ids = draw_questions(course, seed)
        assert ids == sorted(ids, key=lambda q: int(q[1:]))


def test_by_tag_draws_the_asked_number_per_tag(course_root):
    course = load(course_root, "{by_tag: {b: 3, a: 1}}", LESSONED)
    assert course.quiz.draw == 4
    for seed in range(50):
        ids = draw_questions(course, seed)
        tags = Counter(tag for qid in ids for tag in course.quiz.question(qid).tags)
        assert tags == {"a": 1, "b": 3}


def test_a_whole_number_still_draws_from_the_whole_bank_as_before(course_root):
    import random

    course = load(course_root, "5", LESSONED)
    bank_ids = [q.id for q in course.quiz.questions]
    for seed in range(20):  # the same draw as attempts made before blueprints existed
        expected = [bank_ids[i] for i in random.Random(seed).sample(range(7), 5)]
        assert draw_questions(course, seed) == expected


def test_a_lesson_with_too_few_questions_is_an_error_at_the_draw(course_root):
    found = errors(course_root, "{per_lesson: 4}", LESSONED)
    assert found == [("course.yaml", 14, "lesson 01-mot has 3 questions in the bank but the "
                                          "quiz draws 4 from each lesson")]


def test_per_lesson_needs_a_lesson_on_every_question(course_root):
    text = bank(question(1, "01-mot"), question(2, None), question(3, "02-hai"))
    found = errors(course_root, "{per_lesson: 1}", text)
    assert found == [("bank.yaml", 7, "question 'q2' has no 'lesson', but the quiz draws per "
                                      "lesson")]


def test_a_question_must_name_one_of_the_course_lessons(course_root):
    text = bank(question(1, "01-mot"), question(2, "03-ba"))
    found = errors(course_root, "1", text)
    assert found == [("bank.yaml", 11, "'lesson' 03-ba is not one of this course's lessons "
                                       "(01-mot, 02-hai)")]


def test_too_few_questions_for_a_tag_and_overlapping_tags(course_root):
    text = bank(question(1, None, ["a"]), question(2, None, ["a", "b"]),
                question(3, None, ["b"]))
    found = errors(course_root, "{by_tag: {a: 3, b: 1}}", text)
    assert ("course.yaml", 14, "tag a has 2 questions in the bank but the quiz draws 3") \
        in found
    assert ("bank.yaml", 11, "question 'q2' carries a, b, which the quiz draws separately; "
                             "a question may carry only one of them") in found
    assert len(found) == 2


def test_draw_counts_every_question_written_even_broken_ones(course_root):
    """Three questions written, one broken: 'draw: 3' is not also reported as too many."""
    broken = "  - id: q9\n    type: true_false\n    prompt: \"Hỏng?\"\n    answer: maybe\n"
    found = errors(course_root, "3", bank(question(1, None), question(2, None), broken))
    assert [message for _, _, message in found] == ["'answer' must be true or false"]
    found = errors(course_root, "4", bank(question(1, None), question(2, None), broken),
                   slug="khoa-bon")
    assert ("course.yaml", 14, "'draw' is 4 but the bank has only 3 questions") in found


@pytest.mark.parametrize("draw,message", [
    ("{per_lesson: 0}", "'per_lesson' must be a whole number from 1 to 500"),
    ("{per_lesson: 1, by_tag: {a: 1}}", "'draw' must be a whole number, {per_lesson: N} or "
                                        "{by_tag: {tag: N, …}}"),
    ("{per_chapter: 2}", "'draw' must be a whole number, {per_lesson: N} or "
                         "{by_tag: {tag: N, …}}"),
    ("{by_tag: [a]}", "'by_tag' must map each tag to how many questions to draw, such as "
                      "{by_tag: {tu-tuong: 2}}"),
    ("0", "'draw' must be a whole number from 1 to 500"),
])
def test_malformed_draws_are_explained_with_their_line(course_root, draw, message):
    assert errors(course_root, draw, LESSONED) == [("course.yaml", 14, message)]
