"""The example centre plugin: its question type, its bundled course, and discovery through
the `elearn.plugins` entry point once pip-installed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import elearn
import elearn_centre_example
from elearn.content.errors import Problems
from elearn.content.model import LocalText, Question
from elearn.content.yamlsource import load_yaml
from elearn.interfaces import ParseContext
from elearn_centre_example.ordering import Ordering

PLUGIN_ROOT = Path(__file__).resolve().parent.parent


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


def test_ordering_public_view_does_not_reveal_the_order_by_its_ids():
    q = ordering_question('items: ["Một", "Hai", "Ba", "Bốn", "Năm"]\n')
    ids = [item["id"] for item in Ordering().public_view(q, "vi")["items"]]
    assert ids != sorted(ids) or ids != [str(n) for n in range(5)]
    assert all(not i.isdigit() for i in ids)


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
    from elearn.interfaces import Arrangement

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


def test_bundled_course_loads_with_its_question_type(make_app):
    app = make_app(PLUGINS=["elearn_centre_example"])
    registry = app.extensions["elearn.registry"]
    course = registry.course("cd-2018-phong-cach")
    assert course is not None, [str(e) for p in registry.course_problems for e in p.errors]
    assert course.source == "elearn_centre_example"
    assert sum(q.type == "ordering" for q in course.quiz.questions) >= 3


@pytest.mark.slow
def test_pip_install_makes_the_course_appear_through_the_entry_point(tmp_path):
    probe = (
        "import json, elearn\n"
        "app = elearn.create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x'})\n"
        "registry = app.extensions['elearn.registry']\n"
        "print(json.dumps({'courses': sorted(registry.courses),"
        " 'plugins': [p.name for p in registry.plugins]}))\n"
    )

    # The core under test (this checkout), not whichever copy the environment installed.
    core = str(Path(elearn.__file__).resolve().parent.parent)

    def loaded(pythonpath: str | None) -> dict:
        env = {"PATH": "/usr/bin:/bin", "ELEARN_INSTANCE_PATH": str(tmp_path / "instance"),
               "PYTHONPATH": os.pathsep.join(filter(None, [pythonpath, core]))}
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                env=env, cwd=tmp_path, check=True)
        return json.loads(result.stdout.strip().splitlines()[-1])

    before = loaded(None)
    assert "cd-2018-phong-cach" not in before["courses"]
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(PLUGIN_ROOT)],
                   check=True, capture_output=True)
    after = loaded(str(target))
    assert "cd-2018-phong-cach" in after["courses"]
    assert "centre_example" in after["plugins"]  # the entry point's name
    assert set(before["courses"]) < set(after["courses"])
    assert elearn_centre_example.__version__ == "1.0.0"
