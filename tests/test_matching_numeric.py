"""The core's matching and numeric types: pure grading with the documented partial credit,
exact guessing odds, load-time checks with their lines, and answers posted through their fields
(per-attempt tokens for matching; Vietnamese decimal commas and refused junk for numeric)."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import product
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from elearn.builtins.matching import Matching
from elearn.builtins.numeric import Numeric, read_number
from elearn.content.errors import Problems
from elearn.content.model import LocalText, Question
from elearn.content.yamlsource import load_yaml
from elearn.interfaces import Arrangement, InvalidAnswer, ParseContext

PAIRS = """\
pairs:
  - {left: "Chỉ thị 05", right: "2016"}
  - {left: "Chỉ thị 03", right: "2011"}
  - {left: "Chỉ thị 06", right: "2006"}
distractors: ["2021"]
"""
ARRANGED = Arrangement(seed=424242, question_id="q", shuffle=True)


def make(qtype, yaml_text: str) -> Question:
    problems = Problems()
    data = qtype.parse(load_yaml(yaml_text), ParseContext(Path("bank.yaml"), problems))
    assert not problems, [str(e) for e in problems.errors]
    return Question(id="q", type=qtype.name, prompt=LocalText.of("?"), points=1,
                    feedback=None, data=data)


def problems_of(qtype, yaml_text: str) -> list[tuple[int | None, str]]:
    problems = Problems()
    qtype.parse(load_yaml(yaml_text), ParseContext(Path("bank.yaml"), problems))
    return [(e.line, str(e.message)) for e in problems.errors]


def key(question: Question) -> dict[str, str]:
    """{left text: right id} → the answer that is fully right."""
    return {pair["id"]: pair["right"] for pair in question.data["pairs"]}


def right_id(question: Question, text: str) -> str:
    return next(r["id"] for r in question.data["rights"] if r["text"].get() == text)


# --- matching ---------------------------------------------------------------------------------

def test_matching_gives_each_pair_an_equal_share_and_wrong_picks_cost_nothing():
    q = make(Matching(), PAIRS)
    right = key(q)
    assert Matching().grade(q, right).correct
    one_wrong = {**right, q.data["pairs"][0]["id"]: right_id(q, "2021")}
    assert Matching().grade(q, one_wrong).fraction == pytest.approx(2 / 3)
    partly = {q.data["pairs"][1]["id"]: right_id(q, "2011")}  # one matched, two left empty
    assert Matching().grade(q, partly).fraction == pytest.approx(1 / 3)
    same_everywhere = {pair["id"]: right_id(q, "2016") for pair in q.data["pairs"]}
    assert Matching().grade(q, same_everywhere).fraction == pytest.approx(1 / 3)
    for junk in (None, [], "2016", {"x": "y"}):
        assert Matching().grade(q, junk).fraction == 0
    strict = make(Matching(), PAIRS + "partial_credit: false\n")
    assert Matching().grade(strict, one_wrong).fraction == 0
    assert Matching().grade(strict, right).correct


@pytest.mark.parametrize("extra", ["", "partial_credit: false\n"])
def test_matching_guess_odds_equal_a_brute_force_over_every_set_of_picks(extra):
    """A guesser picks, for each left item, one right item uniformly and independently (every
    select offers the same list); the odds must be exact, not approximate."""
    q = make(Matching(), PAIRS + extra)
    rights = [r["id"] for r in q.data["rights"]]
    lefts = [p["id"] for p in q.data["pairs"]]
    counted: dict[Fraction, Fraction] = {}
    picks = list(product(rights, repeat=len(lefts)))
    for pick in picks:
        share = Fraction(Matching().grade(q, dict(zip(lefts, pick))).fraction).limit_denominator()
        counted[share] = counted.get(share, Fraction(0)) + Fraction(1, len(picks))
    assert Matching().guess(q, "random") == counted
    assert sum(counted.values()) == 1
    assert Matching().guess(q, "longest") is None


def test_matching_is_refused_at_load_time_with_its_lines():
    found = problems_of(Matching(), 'prompt: "?"\npairs:\n  - {left: A, right: "1"}\n'
                                    '  - {left: A, right: "2"}\n  - {left: B}\n'
                                    'distractors: ["1"]\n')
    assert (4, "the left items must all be different") in found
    assert (5, "missing required field 'right'") in found
    assert (6, "a distractor must differ from every right-hand item") in found
    same_right = problems_of(Matching(), 'pairs:\n  - {left: A, right: "1"}\n'
                                         '  - {left: B, right: "1"}\n')
    assert same_right == [(1, "a matching question needs at least 2 different right-hand "
                              "items")]
    assert problems_of(Matching(), 'pairs:\n  - {left: A, right: "1"}\n')[0][0] == 1
    assert Matching().lint(make(Matching(), 'pairs:\n  - {left: A, right: "1"}\n'
                                            '  - {left: B, right: "2"}\n'))
    assert not Matching().lint(make(Matching(), PAIRS))


def matching_form(question: Question, formdata: MultiDict | None = None, answer=None):
    view = Matching().present(question, "vi", ARRANGED)

    class AnswerForm(Form):
        field = Matching().field(question, view)

    if formdata is None:
        return AnswerForm(data={"field": Matching().field_data(question, answer, ARRANGED)}), view
    return AnswerForm(formdata), view


def test_matching_posts_tokens_one_select_per_left_item_with_the_same_shuffled_list():
    q = make(Matching(), PAIRS)
    form, view = matching_form(q)
    selects = list(form.field)
    assert [s.label.text for s in selects] == [left["text"] for left in view["lefts"]]
    options = [[choice[1] for choice in s.iter_choices()] for s in selects]
    assert all(o == options[0] for o in options)  # one list, the same for every item
    assert options[0][0] == "—" and sorted(options[0][1:]) == ["2006", "2011", "2016", "2021"]
    html = form.field()
    for item in q.data["pairs"] + q.data["rights"]:
        assert item["id"] not in html  # only this attempt's tokens reach the page
    # the right answer, posted as the page would
    post = MultiDict({f"field-{ARRANGED.token(left)}": ARRANGED.token(right)
                      for left, right in key(q).items()})
    posted, _ = matching_form(q, post)
    assert posted.validate(), posted.errors
    answer = Matching().parse_answer(q, posted.field.data, ARRANGED)
    assert answer == key(q) and Matching().grade(q, answer).correct
    # saved answers come back into the selects
    again, _ = matching_form(q, answer=answer)
    assert 'selected' in again.field() and again.field.data == {
        ARRANGED.token(l): ARRANGED.token(r) for l, r in key(q).items()}
    # nothing picked is unanswered; a token from another attempt is not an answer
    empty, _ = matching_form(q, MultiDict({}))
    assert Matching().parse_answer(q, empty.field.data, ARRANGED) is None
    other = Arrangement(seed=1, question_id="q")
    assert Matching().parse_answer(q, {other.token(p["id"]): other.token(p["right"])
                                       for p in q.data["pairs"]}, ARRANGED) is None


def test_matching_right_items_are_shuffled_even_when_the_quiz_does_not_shuffle():
    q = make(Matching(), PAIRS)
    orders = {tuple(r["text"] for r in Matching().present(
        q, "vi", Arrangement(seed, "q", shuffle=False))["rights"]) for seed in range(30)}
    assert len(orders) > 5
    lefts = {tuple(left["text"] for left in Matching().present(
        q, "vi", Arrangement(seed, "q", shuffle=False))["lefts"]) for seed in range(30)}
    assert lefts == {("Chỉ thị 05", "Chỉ thị 03", "Chỉ thị 06")}


# --- numeric ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, number", [
    ("3,5", "3.5"), ("3.5", "3.5"), ("-12", "-12"), (" 1 945 ", "1945"), ("1.234,5", "1234.5"),
    ("1,234.5", "1234.5"), ("1.000.000", "1000000"), ("−4,25", "-4.25"), (",5", "0.5"),
    ("3,5 ", "3.5"), ("+7", "7"),
])
def test_numbers_are_read_with_a_decimal_comma_or_point(typed, number):
    assert read_number(typed) == Decimal(number)


@pytest.mark.parametrize("typed", ["", "abc", "3,5,6.1.2", "1e5", "NaN", "inf", "3,", "--1",
                                   "1/2", "9" * 40, "٣"])
def test_what_is_not_a_number_is_refused(typed):
    assert read_number(typed) is None


def test_numeric_tolerance_is_exact_and_the_best_credit_counts():
    q = make(Numeric(), "answer: 0.3\ntolerance: 0.1\n")
    # 0.1 + 0.2 != 0.3 in binary floats; decimals keep the edges of the tolerance inside.
    assert [Numeric().grade(q, v).fraction for v in ("0.2", "0.4", "0.1999", "0.4001")] == \
        [1, 1, 0, 0]
    several = make(Numeric(), "answers:\n  - {value: 1911}\n"
                              "  - {value: 1911, tolerance: 1, credit: 50}\n")
    assert [Numeric().grade(several, v).fraction for v in ("1911", "1910", "1909", None)] == \
        [1, 0.5, 0, 0]


def test_numeric_answers_typed_either_way_grade_the_same_and_junk_is_refused_in_words():
    q = make(Numeric(), "answer: 3.5\nunit: {vi: \"mét\", en: \"metres\"}\n")
    assert Numeric().public_view(q, "en") == {"unit": "metres"}
    for typed in ("3,5", "3.5", " 3,50 "):
        answer = Numeric().parse_answer(q, typed, ARRANGED)
        assert Numeric().grade(q, answer).correct, typed
    assert Numeric().parse_answer(q, "   ", ARRANGED) is None
    with pytest.raises(InvalidAnswer) as refused:
        Numeric().parse_answer(q, "ba phẩy năm", ARRANGED)
    assert "3,5" in str(refused.value)
    assert Numeric().key_text(q, "vi") == "3,5 mét"
    assert Numeric().key_text(make(Numeric(), "answer: 1234.5\ntolerance: 0.5\n"), "en") == \
        "1,234.5 ± 0.5"


def test_numeric_is_refused_at_load_time_with_its_lines():
    assert problems_of(Numeric(), 'prompt: "?"\nanswer: "ba"\n') == [
        (2, "'answer' must be a number")]
    assert problems_of(Numeric(), 'answer: 3\ntolerance: -1\n') == [
        (2, "'tolerance' must be a number, 0 or more")]
    assert problems_of(Numeric(), 'answer: true\n')[0][0] == 1
    found = problems_of(Numeric(), 'answers:\n  - {value: 3, credit: 50}\n'
                                   '  - {value: 4, credit: 150}\n  - {valeur: 5}\n')
    assert (3, "'credit' must be a percentage above 0, at most 100") in found
    assert (4, "unknown field 'valeur'") in found
    assert (1, "at least one answer must give full credit (100)") in found
    assert problems_of(Numeric(), 'answer: 3\nanswers: [{value: 3}]\n')[0][1].startswith(
        "a numeric question needs either 'answer'")


# --- both: what a learner sees before submitting says nothing about the key ------------------

@pytest.mark.parametrize("qtype, one, other", [
    (Matching(), PAIRS, PAIRS.replace('right: "2016"', 'right: "X"').replace(
        'right: "2011"', 'right: "2016"').replace('right: "X"', 'right: "2011"')),
    (Numeric(), "answer: 3.5\n", "answer: 7\ntolerance: 2\n"),
])
def test_two_questions_differing_only_in_their_key_look_the_same(qtype, one, other):
    first, second = make(qtype, one), make(qtype, other)
    answer = key(first) if qtype.name == "matching" else "3.5"
    assert qtype.grade(first, answer).correct and not qtype.grade(second, answer).correct
    assert qtype.public_view(first, "vi") == qtype.public_view(second, "vi")
    assert qtype.present(first, "vi", ARRANGED) == qtype.present(second, "vi", ARRANGED)
