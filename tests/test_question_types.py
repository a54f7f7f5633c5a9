"""The built-in question types grade purely and never leak answer keys in public views; each
draws its answer field with its own template."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from elearn.builtins.question_types import (
    MultipleChoice, ShortText, SingleChoice, TrueFalse, normalise_text,
)
from elearn.content.errors import Problems
from elearn.content.model import LocalText, Question
from elearn.content.yamlsource import load_yaml
from elearn.builtins.matching import Matching
from elearn.builtins.numeric import Numeric
from elearn.interfaces import Arrangement, ParseContext


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


SINGLE_B = "options:\n  - {id: a, text: A}\n  - {id: b, text: B, correct: true}\n"
SINGLE_A = "options:\n  - {id: a, text: A, correct: true}\n  - {id: b, text: B}\n"
# Pairs of questions that differ only in their key, with an answer right for the first only.
SAME_BUT_THE_KEY = [
    (SingleChoice(), SINGLE_B, SINGLE_A, "b"),
    (MultipleChoice(), CHOICES, CHOICES.replace('"A", correct: true', '"A"').replace(
        '{id: c, text: "C"}', '{id: c, text: "C", correct: true}'), ["a", "b"]),
    (TrueFalse(), "answer: true\n", "answer: false\n", "true"),
    (ShortText(), 'answers: ["bí mật"]\n', 'answers: ["khác hẳn"]\n', "bí mật"),
    (Matching(), 'pairs: [{left: L1, right: R1}, {left: L2, right: R2}]\n',
     'pairs: [{left: L1, right: R2}, {left: L2, right: R1}]\n', None),
    (Numeric(), "answer: 3.5\n", "answer: 35\ntolerance: 1\n", "3.5"),
]


@pytest.mark.parametrize("qtype, first, second, answer", SAME_BUT_THE_KEY,
                         ids=[t.name for t, *_ in SAME_BUT_THE_KEY])
def test_public_views_hold_no_answer_key(qtype, first, second, answer):
    """Two questions that differ only in their key look exactly the same to a learner before
    submitting (public view and this attempt's presentation), so nothing shown can carry it."""
    one, other = make(qtype, first), make(qtype, second)
    if answer is None:  # matching: the first question's right matches
        answer = {pair["id"]: pair["right"] for pair in one.data["pairs"]}
    assert qtype.grade(one, answer).correct and not qtype.grade(other, answer).correct
    arrangement = Arrangement(seed=7, question_id="q")
    assert qtype.public_view(one, "vi") == qtype.public_view(other, "vi")
    assert qtype.present(one, "vi", arrangement) == qtype.present(other, "vi", arrangement)
    view = json.dumps(qtype.public_view(one, "vi"), ensure_ascii=False)
    assert "correct" not in view and "bí mật" not in view and "answer" not in view


def test_choice_questions_need_the_right_number_of_correct_options():
    problems = Problems()
    raw = load_yaml("options:\n  - {id: a, text: A, correct: true}\n  - {id: a, text: B, correct: true}\n")
    SingleChoice().parse(raw, ParseContext("bank.yaml", problems))
    messages = [str(e.message) for e in problems.errors]
    assert "option id 'a' is used twice" in messages


def test_each_core_type_names_a_template_the_app_finds(app):
    """Each type draws its own answer field; a template missing from the package would only
    show up as a 500 on the quiz page, so every one is loaded here."""
    from elearn.question_templates import template_name

    types = app.extensions["elearn.registry"].question_types
    assert {"ordering", "matching", "numeric"} <= set(types)
    names = {name: template_name(qtype) for name, qtype in types.items()}
    assert names["single_choice"] == names["true_false"] == "question_types/choices.html"
    assert names["matching"] == "question_types/matching.html"
    for name in set(names.values()):
        assert app.jinja_env.get_template(name) is not None


def test_a_type_naming_a_missing_template_file_stops_start_up_with_its_name(make_app):
    import sys
    import types as modules

    from elearn import hookimpl
    from elearn.interfaces import QuestionType

    class Broken(QuestionType):
        name = "hotspot"
        template = Path("/nonexistent/hotspot.html")

    plugin = modules.ModuleType("broken_hotspot_plugin")
    plugin.register_question_types = hookimpl(lambda: [Broken])
    sys.modules[plugin.__name__] = plugin
    try:
        with pytest.raises(RuntimeError, match="question type 'hotspot'.*hotspot.html"):
            make_app(PLUGINS=[plugin.__name__])
    finally:
        del sys.modules[plugin.__name__]
