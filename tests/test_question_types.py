"""The built-in question types grade purely and never leak answer keys in public views."""
from __future__ import annotations

import json

import pytest

from elearn.builtins.question_types import (
    MultipleChoice, ShortText, SingleChoice, TrueFalse, normalise_text,
)
from elearn.content.errors import Problems
from elearn.content.model import LocalText, Question
from elearn.content.yamlsource import load_yaml
from elearn.interfaces import ParseContext


def make(qtype, yaml_text: str) -> Question:
    raw = load_yaml(yaml_text)
    problems = Problems()
    data = qtype.parse(raw, ParseContext("bank.yaml", problems))
    assert not problems, problems.errors
    return Question(id="q", type=qtype.name, prompt=LocalText.of("?"), points=1,
                    feedback=None, data=data)


CHOICES = """
options:
  - {id: a, text: "A", correct: true}
  - {id: b, text: "B", correct: true}
  - {id: c, text: "C"}
  - {id: d, text: "D"}
"""


def test_single_choice_grades_only_the_right_option():
    q = make(SingleChoice(), "options:\n  - {id: a, text: A}\n  - {id: b, text: B, correct: true}\n")
    assert SingleChoice().grade(q, "b").correct
    assert SingleChoice().grade(q, "a").fraction == 0
    assert SingleChoice().grade(q, None).fraction == 0


@pytest.mark.parametrize("chosen, expected", [
    (["a", "b"], 1.0), (["a"], 0.5), (["a", "c"], 0.0), (["a", "b", "c"], 0.5),
    (["a", "b", "c", "d"], 0.0), ([], 0.0),
])
def test_multiple_choice_partial_credit_punishes_wrong_picks(chosen, expected):
    q = make(MultipleChoice(), CHOICES)
    assert MultipleChoice().grade(q, chosen).fraction == pytest.approx(expected)


def test_multiple_choice_all_or_nothing_when_author_says_so():
    q = make(MultipleChoice(), CHOICES + "partial_credit: false\n")
    assert MultipleChoice().grade(q, ["a"]).fraction == 0
    assert MultipleChoice().grade(q, ["b", "a"]).correct


def test_true_false_accepts_form_values():
    q = make(TrueFalse(), "answer: false\n")
    assert TrueFalse().grade(q, "false").correct and TrueFalse().grade(q, False).correct
    assert not TrueFalse().grade(q, "true").correct and not TrueFalse().grade(q, None).correct


def test_short_text_ignores_case_spacing_and_optionally_diacritics():
    strict = make(ShortText(), 'answers: ["Hồ Chí Minh"]\n')
    assert ShortText().grade(strict, "  hồ   chí minh. ").correct
    assert not ShortText().grade(strict, "Ho Chi Minh").correct
    relaxed = make(ShortText(), 'answers: ["Đảng Cộng sản"]\nignore_diacritics: true\n')
    assert ShortText().grade(relaxed, "dang cong san").correct
    assert not ShortText().grade(relaxed, "").correct
    assert normalise_text("Đ", True) == "d"


def test_public_views_hold_no_answer_key():
    for qtype, text in [(SingleChoice(), CHOICES.replace("true}\n  - {id: b, text: \"B\", correct: true}", "true}\n  - {id: b, text: \"B\"}")),
                        (MultipleChoice(), CHOICES), (TrueFalse(), "answer: true\n"),
                        (ShortText(), 'answers: ["bí mật"]\n')]:
        view = json.dumps(qtype.public_view(make(qtype, text), "vi"), ensure_ascii=False)
        assert "correct" not in view and "bí mật" not in view and "answer" not in view


def test_choice_questions_need_the_right_number_of_correct_options():
    problems = Problems()
    raw = load_yaml("options:\n  - {id: a, text: A, correct: true}\n  - {id: a, text: B, correct: true}\n")
    SingleChoice().parse(raw, ParseContext("bank.yaml", problems))
    messages = [str(e.message) for e in problems.errors]
    assert "option id 'a' is used twice" in messages
