"""The guessing analysis (elearn.content.guessing) is exact: on small banks it equals a brute
force that draws every possible set of questions, answers every question every way the strategy
allows, grades each answer with the question type's own `grade()` and scores the attempt as the
quiz service does."""
from __future__ import annotations

from fractions import Fraction
from itertools import combinations, permutations, product
from math import comb, factorial

import pytest

from elearn.builtins.question_types import register_question_types
from elearn.content import guessing
from elearn.content.loader import load_course
from elearn.content.scoring import answer_points, passes, score_percent
from elearn.builtins.ordering import Ordering
from elearn.testing import write_course
from elearn.testing.courses import dedent


TYPES = {cls.name: cls() for cls in [*register_question_types(), Ordering]}  # all core types

MIXED_BANK = dedent("""
    questions:
      - id: sc-long-key
        type: single_choice
        lesson: 01-mot
        prompt: "Một?"
        options:
          - {id: a, text: "Ngắn"}
          - {id: b, text: "Đáp án dài hơn hẳn", correct: true}
          - {id: c, text: "Vừa vừa"}
      - id: sc-two-points
        type: single_choice
        lesson: 01-mot
        points: 2
        prompt: "Hai?"
        options:
          - {id: a, text: "Một lựa chọn dài", correct: true}
          - {id: b, text: "Lựa chọn dài"}
          - {id: c, text: "Cũng dài bằng"}
          - {id: d, text: "Khác"}
      - id: mc-partial
        type: multiple_choice
        lesson: 01-mot
        prompt: "Ba?"
        options:
          - {id: a, text: "Tư tưởng", correct: true}
          - {id: b, text: "Đạo đức", correct: true}
          - {id: c, text: "Sao chép mô hình"}
          - {id: d, text: "Hình thức"}
      - id: mc-all-or-nothing
        type: multiple_choice
        lesson: 02-hai
        partial_credit: false
        prompt: "Bốn?"
        options:
          - {id: a, text: "A", correct: true}
          - {id: b, text: "BB", correct: true}
          - {id: c, text: "CCC"}
      - id: tf-true
        type: true_false
        lesson: 02-hai
        prompt: "Năm?"
        answer: true
      - id: tf-false
        type: true_false
        lesson: 02-hai
        prompt: "Sáu?"
        answer: false
      - id: short
        type: short_text
        lesson: 01-mot
        prompt: "Bảy?"
        answers: ["05-CT/TW"]
      - id: order
        type: ordering
        lesson: 02-hai
        prompt: "Tám?"
        items: ["Một", "Hai", "Ba"]
""")


def course_with(course_root, bank: str, draw: str, *, pass_mark: float = 60,
                attempts: int = 3, slug: str = "khoa-doan"):
    course = dedent(f"""
        slug: {slug}
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
          pass_mark: {pass_mark}
          max_attempts: {attempts}
    """)
    return load_course(write_course(course_root, slug, course=course, bank=bank), TYPES)


# -- the brute force: written from the strategies' definitions, graded by grade() ---------

def answers(question, strategy: str) -> list[tuple[object, Fraction]]:
    """Every answer the strategy gives to the question, with its chance."""
    data = question.data
    if question.type in ("single_choice", "multiple_choice"):
        ids = [o["id"] for o in data["options"]]
        longest = max(len(o["text"].get("vi")) for o in data["options"])
        tied = [o["id"] for o in data["options"] if len(o["text"].get("vi")) == longest]
        if strategy == "longest":
            wrap = (lambda i: [i]) if question.type == "multiple_choice" else (lambda i: i)
            return [(wrap(i), Fraction(1, len(tied))) for i in tied]
        if question.type == "multiple_choice":
            if strategy == "all_boxes":
                return [(ids, Fraction(1))]
            subsets = [list(c) for n in range(1, len(ids) + 1) for c in combinations(ids, n)]
            return [(s, Fraction(1, len(subsets))) for s in subsets]
        return [(i, Fraction(1, len(ids))) for i in ids]
    if question.type == "true_false":
        if strategy == "always_true":
            return [(True, Fraction(1))]
        if strategy == "always_false":
            return [(False, Fraction(1))]
        return [(True, Fraction(1, 2)), (False, Fraction(1, 2))]
    if question.type == "ordering":
        orders = list(permutations(item["id"] for item in data["items"]))
        return [(list(order), Fraction(1, len(orders))) for order in orders]
    if question.type == "matching":  # each select: any right item, independently
        lefts = [pair["id"] for pair in data["pairs"]]
        picks = list(product([r["id"] for r in data["rights"]], repeat=len(lefts)))
        return [(dict(zip(lefts, pick)), Fraction(1, len(picks))) for pick in picks]
    return [("một câu trả lời đoán bừa", Fraction(1))]


def brute_force(course, rule: dict[str, str]) -> Fraction:
    quiz = course.quiz
    strata = guessing.strata(quiz)
    draws = list(product(*(list(combinations(qs, n)) for qs, n in strata)))
    total = Fraction(0)
    for draw in draws:
        drawn = [q for part in draw for q in part]
        choices = [answers(q, rule.get(q.type, "random")) for q in drawn]
        for picked in product(*choices):
            chance = Fraction(1)
            points = max_points = 0.0
            for question, (answer, p) in zip(drawn, picked):
                chance *= p
                points += answer_points(TYPES[question.type].grade(question, answer).fraction,
                                        question.points)
                max_points += question.points
            if passes(score_percent(round(points, 4), max_points), quiz.pass_mark):
                total += chance
    return total / len(draws)


@pytest.mark.parametrize("draw,pass_mark", [("3", 60), ("4", 50), ("{per_lesson: 2}", 70),
                                            ("{per_lesson: 1}", 100)])
def test_every_rule_matches_brute_force(course_root, draw, pass_mark):
    course = course_with(course_root, MIXED_BANK, draw, pass_mark=pass_mark)
    rules = guessing.rules(course.quiz, TYPES)
    # 2 single-choice strategies × 3 multiple-choice × 3 true/false (ordering, short: random)
    assert len(rules) == 18
    for rule in rules:
        exact = guessing.pass_probability(course.quiz, TYPES, rule)
        assert exact == brute_force(course, rule), rule


def test_the_report_shows_each_strategy_and_the_worst_mix(course_root):
    course = course_with(course_root, MIXED_BANK, "{per_lesson: 2}", pass_mark=70, attempts=3)
    report = guessing.guessing_report(course.quiz, TYPES)
    by_name = {odds.strategy: odds for odds in report.odds}
    assert list(by_name) == [*guessing.STRATEGIES, guessing.MIXED]
    for name in guessing.STRATEGIES:
        rule = {t: (name if name in _known(course, t) else "random")
                for t in {q.type for q in course.quiz.questions}}
        assert by_name[name].per_attempt == brute_force(course, rule)
        assert by_name[name].within_attempts == 1 - (1 - by_name[name].per_attempt) ** 3
    # (pass_probability equals the brute force for every rule: test above)
    worst = max(guessing.pass_probability(course.quiz, TYPES, rule)
                for rule in guessing.rules(course.quiz, TYPES))
    assert by_name[guessing.MIXED].per_attempt == worst
    assert worst > max(by_name[name].per_attempt for name in guessing.STRATEGIES)
    assert report.worst is by_name[guessing.MIXED]
    assert report.ok is (by_name[guessing.MIXED].within_attempts <= Fraction(5, 100))


def _known(course, type_name):
    return {s for q in course.quiz.questions if q.type == type_name
            for s in guessing.STRATEGIES if TYPES[type_name].guess(q, s) is not None}


TRUE_FALSE_BANK = "questions:\n" + "".join(
    f"  - {{id: q{n}, type: true_false, prompt: \"Câu {n}?\", answer: {str(n % 2 == 0).lower()}}}\n"
    for n in range(10))


def test_known_closed_forms(course_root):
    """Ten true/false questions, five true: random needs 7 right of 10 with chance 1/2 each."""
    course = course_with(course_root, TRUE_FALSE_BANK, "10", pass_mark=70, attempts=2)
    random = guessing.pass_probability(course.quiz, TYPES, "random")
    assert random == Fraction(sum(comb(10, k) for k in range(7, 11)), 2 ** 10)
    assert guessing.pass_probability(course.quiz, TYPES, "always_true") == 0  # 50 %
    # Drawing 6 of the 10: "always true" passes when at least 5 of the 6 (pass mark 70 %:
    # 5/6 = 83 %, 4/6 = 67 %) are true questions: hypergeometric.
    six = course_with(course_root, TRUE_FALSE_BANK, "6", pass_mark=70, slug="khoa-sau")
    expected = Fraction(comb(5, 5) * comb(5, 1) + comb(5, 6) * comb(5, 0), comb(10, 6))
    assert guessing.pass_probability(six.quiz, TYPES, "always_true") == expected
    report = guessing.guessing_report(course.quiz, TYPES)
    assert report.odds[0].within_attempts == 1 - (1 - random) ** 2


def test_attempts_compound_and_unlimited_attempts_always_pass_eventually():
    assert guessing.within_attempts(Fraction(1, 10), 3) == 1 - Fraction(9, 10) ** 3
    assert guessing.within_attempts(Fraction(1, 10 ** 9), 0) == 1
    assert guessing.within_attempts(Fraction(0), 0) == 0
    assert guessing.within_attempts(Fraction(0), 5) == 0


@pytest.mark.parametrize("count", [3, 4, 5, 6])
@pytest.mark.parametrize("partial", [True, False])
def test_ordering_odds_match_every_permutation(count, partial):
    from elearn.content.model import LocalText, Question

    items = [{"id": f"i{n}", "text": LocalText.of(f"Mục {n}")} for n in range(count)]
    question = Question(id="o", type="ordering", prompt=LocalText.of("?"), points=1,
                        feedback=None, data={"items": items, "partial_credit": partial})
    odds = TYPES["ordering"].guess(question, "random")
    brute: dict[Fraction, Fraction] = {}
    for order in permutations(item["id"] for item in items):
        share = Fraction(TYPES["ordering"].grade(question, list(order)).fraction).limit_denominator(100)
        brute[share] = brute.get(share, Fraction(0)) + Fraction(1, factorial(count))
    assert {k: v for k, v in odds.items() if v} == brute


def test_a_guess_that_is_not_a_distribution_is_refused(course_root):
    course = course_with(course_root, TRUE_FALSE_BANK, "3")

    class Broken(type(TYPES["true_false"])):
        def guess(self, question, strategy):
            return {Fraction(1): Fraction(1, 2)}

    with pytest.raises(ValueError, match="not a distribution"):
        guessing.pass_probability(course.quiz, {**TYPES, "true_false": Broken()}, "random")


def test_warnings_name_the_habits_guessers_exploit(course_root):
    bank = dedent("""
        questions:
          - id: long-key
            type: single_choice
            prompt: "Một?"
            options:
              - {id: a, text: "Ngắn"}
              - {id: b, text: "Đáp án dài hơn hẳn", correct: true}
          - id: tie
            type: single_choice
            prompt: "Hai?"
            options:
              - {id: a, text: "Dài bằng", correct: true}
              - {id: b, text: "Bằng dài"}
              - {id: c, text: "Khác"}
          - id: one-wrong
            type: multiple_choice
            prompt: "Ba?"
            options:
              - {id: a, text: "Dài nhất ở đây", correct: true}
              - {id: b, text: "Đúng", correct: true}
              - {id: c, text: "Sai"}
          - id: twins
            type: single_choice
            prompt: "Bốn?"
            options:
              - {id: a, text: "Giống  nhau", correct: true}
              - {id: b, text: "giống nhau"}
              - {id: c, text: "Hoàn toàn khác"}
    """)
    course = course_with(course_root, bank, "2")
    found = {(w.question.id, str(w.message)) for w in
             guessing.question_warnings(course.quiz, TYPES)}
    ids = sorted(qid for qid, _ in found)
    assert ids == ["long-key", "one-wrong", "one-wrong", "twins"], found
    assert any("longest" in message for qid, message in found if qid == "long-key")
    assert any("two wrong" in message for qid, message in found if qid == "one-wrong")
    assert any("same text" in message for qid, message in found if qid == "twins")
    assert all(w.question.line for w in guessing.question_warnings(course.quiz, TYPES))


MATCHING_BANK = dedent("""
    questions:
      - id: match-partial
        type: matching
        prompt: "Ghép?"
        pairs: [{left: A, right: "1"}, {left: B, right: "2"}, {left: C, right: "3"}]
        distractors: ["4"]
      - id: match-strict
        type: matching
        partial_credit: false
        points: 2
        prompt: "Ghép hết?"
        pairs: [{left: A, right: "1"}, {left: B, right: "2"}]
      - id: number
        type: numeric
        prompt: "Số?"
        answer: 1911
      - id: sc
        type: single_choice
        prompt: "Một?"
        options:
          - {id: a, text: "Một", correct: true}
          - {id: b, text: "Hai"}
""")


@pytest.mark.parametrize("draw,pass_mark", [("2", 50), ("3", 40), ("4", 30)])
def test_matching_and_numeric_odds_match_brute_force_in_a_quiz(course_root, draw, pass_mark):
    """`courses check` counts the core's matching (binomial picks) and numeric (typed, never
    guessed) exactly, as the brute force over every draw and every set of picks does."""
    course = course_with(course_root, MATCHING_BANK, draw, pass_mark=pass_mark)
    for rule in guessing.rules(course.quiz, TYPES):
        exact = guessing.pass_probability(course.quiz, TYPES, rule)
        assert exact == brute_force(course, rule), rule
        assert 0 < exact < 1
