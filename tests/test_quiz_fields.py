"""Each question type answers through a WTForms field and turns the posted data into the
answer its pure grade() expects; the per-attempt view never carries the key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from elearn.builtins.question_types import MultipleChoice, ShortText, SingleChoice, TrueFalse
from elearn.content.errors import Problems
from elearn.content.model import LocalText, Question
from elearn.content.yamlsource import load_yaml
from elearn.interfaces import Arrangement, InvalidAnswer, ParseContext
from elearn.builtins.ordering import Ordering

CHOICES = """
options:
  - {id: a, text: "Sai một"}
  - {id: b, text: "Đúng một", correct: true}
  - {id: c, text: "Đúng hai", correct: true}
  - {id: d, text: "Sai hai"}
"""
SINGLE = CHOICES.replace('text: "Đúng hai", correct: true', 'text: "Đúng hai"')
ORDER = 'items: ["Một", "Hai", "Ba", "Bốn", "Năm"]\n'


def make(qtype, yaml_text: str, qid: str = "q") -> Question:
    problems = Problems()
    data = qtype.parse(load_yaml(yaml_text), ParseContext(Path("bank.yaml"), problems))
    assert not problems, problems.errors
    return Question(id=qid, type=qtype.name, prompt=LocalText.of("?"), points=1,
                    feedback=None, data=data)


def post(qtype, question, arrangement, formdata: MultiDict | None, answer=None):
    """Build the type's field in a form, process data as a request would, parse the answer."""
    view = qtype.present(question, "vi", arrangement)

    class AnswerForm(Form):
        answer = qtype.field(question, view)

    if formdata is None:
        form = AnswerForm(data={"answer": qtype.field_data(question, answer, arrangement)})
        return form, view, None
    form = AnswerForm(formdata)
    assert form.validate(), form.errors
    return form, view, qtype.parse_answer(question, form.answer.data, arrangement)


ARRANGED = Arrangement(seed=987654321, question_id="q", shuffle=True)


def test_single_choice_is_a_radio_group_posting_opaque_tokens():
    qtype, question = SingleChoice(), make(SingleChoice(), SINGLE)
    form, view, _ = post(qtype, question, ARRANGED, None)
    html = form.answer()
    assert html.count('type="radio"') == 4
    assert 'value="a"' not in html and 'value="b"' not in html  # authored ids stay hidden
    right = ARRANGED.token("b")
    _, _, answer = post(qtype, question, ARRANGED, MultiDict({"answer": right}))
    assert answer == "b" and qtype.grade(question, answer).correct
    _, _, nothing = post(qtype, question, ARRANGED, MultiDict())
    assert nothing is None


def test_a_token_from_another_attempt_is_not_a_valid_choice():
    qtype, question = SingleChoice(), make(SingleChoice(), SINGLE)
    other = Arrangement(seed=1, question_id="q").token("b")

    class AnswerForm(Form):
        answer = qtype.field(question, qtype.present(question, "vi", ARRANGED))

    assert not AnswerForm(MultiDict({"answer": other})).validate()


def test_multiple_choice_is_check_boxes_and_parses_to_the_chosen_ids():
    qtype, question = MultipleChoice(), make(MultipleChoice(), CHOICES)
    form, _, _ = post(qtype, question, ARRANGED, None)
    assert form.answer().count('type="checkbox"') == 4
    data = MultiDict([("answer", ARRANGED.token("b")), ("answer", ARRANGED.token("c"))])
    _, _, answer = post(qtype, question, ARRANGED, data)
    assert answer == ["b", "c"] and qtype.grade(question, answer).correct
    _, _, cleared = post(qtype, question, ARRANGED, MultiDict())
    assert cleared is None
    shown, _, _ = post(qtype, question, ARRANGED, None, answer=["b", "c"])
    assert shown.answer().count("checked") == 2


def test_true_false_is_a_yes_no_radio_pair():
    qtype, question = TrueFalse(), make(TrueFalse(), "answer: false\n")
    form, _, _ = post(qtype, question, ARRANGED, None)
    assert form.answer().count('type="radio"') == 2
    _, _, answer = post(qtype, question, ARRANGED, MultiDict({"answer": "false"}))
    assert answer is False and qtype.grade(question, answer).correct
    shown, _, _ = post(qtype, question, ARRANGED, None, answer=False)
    assert [option.checked for option in shown.answer] == [False, True]


def test_short_text_is_a_text_input_with_spacing_normalised():
    qtype, question = ShortText(), make(ShortText(), 'answers: ["Hồ Chí Minh"]\n')
    form, _, _ = post(qtype, question, ARRANGED, None)
    assert 'type="text"' in form.answer() and 'maxlength="500"' in form.answer()
    _, _, answer = post(qtype, question, ARRANGED, MultiDict({"answer": "  hồ   chí\tminh "}))
    assert answer == "hồ chí minh" and qtype.grade(question, answer).correct
    _, _, blank = post(qtype, question, ARRANGED, MultiDict({"answer": "   "}))
    assert blank is None


def ordering_post(question, positions: dict[str, str]) -> MultiDict:
    """{authored item text: position} as the posted select values."""
    ids = {item["text"].get(): item["id"] for item in question.data["items"]}
    return MultiDict({f"answer-{ARRANGED.token(ids[text])}": value
                      for text, value in positions.items()})


def test_ordering_is_one_position_select_per_item_and_works_without_javascript():
    qtype, question = Ordering(), make(Ordering(), ORDER)
    form, view, _ = post(qtype, question, ARRANGED, None)
    html = "".join(str(select) for select in form.answer)
    assert html.count("<select") == 5 and html.count('<option selected value="">') == 5
    right = {"Một": "1", "Hai": "2", "Ba": "3", "Bốn": "4", "Năm": "5"}
    _, _, answer = post(qtype, question, ARRANGED, ordering_post(question, right))
    assert qtype.grade(question, answer).fraction == 1.0
    swapped = {**right, "Bốn": "5", "Năm": "4"}
    _, _, answer = post(qtype, question, ARRANGED, ordering_post(question, swapped))
    assert qtype.grade(question, answer).fraction == pytest.approx(0.5)  # 2 of 4 pairs
    # what was saved is shown again in the selects
    shown, _, _ = post(qtype, question, ARRANGED, None, answer=answer)
    assert shown.answer.data == {ARRANGED.token(item): str(n + 1)
                                 for n, item in enumerate(answer)}


def test_ordering_partial_answers_are_kept_and_duplicates_refused():
    qtype, question = Ordering(), make(Ordering(), ORDER)
    _, _, partial = post(qtype, question, ARRANGED, ordering_post(question, {"Ba": "1"}))
    assert partial[0] is not None and partial[1:] == [None] * 4
    assert qtype.grade(question, partial).fraction == 0.0
    with pytest.raises(InvalidAnswer):
        post(qtype, question, ARRANGED, ordering_post(question, {"Một": "1", "Hai": "1"}))
    _, _, nothing = post(qtype, question, ARRANGED, ordering_post(question, {}))
    assert nothing is None


def test_ordering_is_never_presented_in_the_authored_order_nor_its_reverse():
    qtype, question = Ordering(), make(Ordering(), 'items: ["Một", "Hai", "Ba"]\n')
    for seed in range(50):
        for shuffle in (True, False):
            view = qtype.present(question, "vi", Arrangement(seed, "q", shuffle))
            shown = [item["text"] for item in view["items"]]
            assert sorted(shown) == sorted(["Một", "Hai", "Ba"])
            assert shown not in (["Một", "Hai", "Ba"], ["Ba", "Hai", "Một"])


@pytest.mark.parametrize("qtype, text", [
    (SingleChoice(), SINGLE), (MultipleChoice(), CHOICES), (TrueFalse(), "answer: true\n"),
    (ShortText(), 'answers: ["bí mật"]\n'), (Ordering(), ORDER)])
def test_the_attempt_view_holds_no_key_and_no_authored_ids(qtype, text):
    question = make(qtype, text)
    view = qtype.present(question, "vi", ARRANGED)
    dumped = json.dumps(view, ensure_ascii=False)
    assert "correct" not in dumped and "bí mật" not in dumped and "answer" not in dumped
    for option in view.get("options", []) + view.get("items", []):
        assert option["id"].startswith("t") and len(option["id"]) == 12


def test_the_same_seed_gives_the_same_arrangement_and_others_differ():
    question = make(SingleChoice(), SINGLE)
    first = SingleChoice().present(question, "vi", ARRANGED)
    assert SingleChoice().present(question, "vi", ARRANGED) == first
    orders = {tuple(o["text"] for o in SingleChoice().present(
        question, "vi", Arrangement(seed, "q"))["options"]) for seed in range(40)}
    assert len(orders) > 5
    unshuffled = SingleChoice().present(question, "vi", Arrangement(5, "q", shuffle=False))
    assert [o["text"] for o in unshuffled["options"]] == ["Sai một", "Đúng một", "Đúng hai",
                                                          "Sai hai"]
