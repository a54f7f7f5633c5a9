"""The ordering question type (in the core since it moved from the example plugin): grading by
neighbour pairs, ids that say nothing about the order, and a starting arrangement that is never
the key nor its exact reverse."""
from __future__ import annotations

from pathlib import Path

import pytest

from elearn.builtins.ordering import Ordering
from elearn.content.errors import Problems
from elearn.content.model import LocalText, Question
from elearn.content.yamlsource import load_yaml
from elearn.interfaces import Arrangement, ParseContext


def ordering_question(yaml_text: str) -> Question:
    problems = Problems()
    data = Ordering().parse(load_yaml(yaml_text), ParseContext(Path("bank.yaml"), problems))
    assert not problems, [str(e) for e in problems.errors]
    return Question(id="q", type="ordering", prompt=LocalText.of("?"), points=1,
                    feedback=None, data=data)


def test_ordering_grades_full_partial_and_wrong_orders():
    q = ordering_question('items: ["Học", "Làm theo", "Kiểm tra", "Đánh giá"]\n')
    ids = [item["id"] for item in q.data["items"]]
    assert Ordering().grade(q, ids).fraction == 1.0
    swapped_last = ids[:2] + [ids[3], ids[2]]
    assert Ordering().grade(q, swapped_last).fraction == pytest.approx(1 / 3)
    assert Ordering().grade(q, list(reversed(ids))).fraction == 0.0
    assert Ordering().grade(q, ids[:3]).fraction == 0.0  # incomplete answer
    assert Ordering().grade(q, "not a list").fraction == 0.0


def test_ordering_ids_say_nothing_about_the_authored_position():
    """An item's id depends on its text only: the same item authored first or last has the same
    id, so neither the ids nor their sort order reveal the key."""
    texts = ["Một", "Hai", "Ba", "Bốn", "Năm"]
    forward = ordering_question("items: [" + ", ".join(f'"{t}"' for t in texts) + "]\n")
    backward = ordering_question("items: [" + ", ".join(f'"{t}"' for t in texts[::-1]) + "]\n")

    def ids(question):
        return {i["text"]: i["id"] for i in Ordering().public_view(question, "vi")["items"]}

    assert ids(forward) == ids(backward)
    assert len(set(ids(forward).values())) == len(texts)
    assert not any(i.isdigit() for i in ids(forward).values())


def test_ordering_rejects_duplicate_items():
    problems = Problems()
    Ordering().parse(load_yaml('items: ["Một", "Một"]\n'), ParseContext(Path("b.yaml"), problems))
    assert any("different" in str(e.message) for e in problems.errors)


def test_two_item_ordering_is_refused_at_load_time_with_its_line():
    problems = Problems()
    Ordering().parse(load_yaml('prompt: "?"\nitems: ["Học", "Làm theo"]\n'),
                     ParseContext(Path("bank.yaml"), problems))
    assert [(e.line, "at least 3 items" in str(e.message)) for e in problems.errors] == \
        [(2, True)]


@pytest.mark.parametrize("count", [3, 4, 5])
def test_the_starting_order_is_never_the_key_nor_its_reverse(count):
    q = ordering_question("items: [" + ", ".join(f'"Mục {n}"' for n in range(count)) + "]\n")
    seen = set()
    for seed in range(600):
        arrangement = Arrangement(seed=seed, question_id="q")
        key = [arrangement.token(item["id"]) for item in q.data["items"]]
        shown = [item["id"] for item in Ordering().present(q, "vi", arrangement)["items"]]
        assert sorted(shown) == sorted(key)
        assert shown != key and shown != key[::-1], seed
        seen.add(tuple(key.index(token) for token in shown))
    if count == 3:  # every other arrangement still occurs
        assert seen == {(0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1)}


