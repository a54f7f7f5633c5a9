"""The example centre plugin: its question type (fill_blanks, with its own template), its
bundled course, and discovery through the `elearn.plugins` entry point once pip-installed."""
from __future__ import annotations

import json
import os
import re
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
from elearn_centre_example.fill_blanks import FillBlanks

PLUGIN_ROOT = Path(__file__).resolve().parent.parent


def fill_question(yaml_text: str) -> Question:
    problems = Problems()
    data = FillBlanks().parse(load_yaml(yaml_text), ParseContext(Path("bank.yaml"), problems))
    assert not problems, [str(e) for e in problems.errors]
    return Question(id="q", type="fill_blanks", prompt=LocalText.of("?"), points=1,
                    feedback=None, data=data)


SENTENCE = ('text: {vi: "Học tập và ___ theo tư tưởng, đạo đức, ___ Hồ Chí Minh.", '
            'en: "Study and ___ Ho Chi Minh\'s thought, ethics and ___."}\n'
            'blanks: [["làm"], ["phong cách", "tác phong"]]\n')


def test_fill_blanks_gives_a_share_per_blank_ignoring_case_and_spacing():
    q = fill_question(SENTENCE)
    assert FillBlanks().grade(q, ["Làm", "  phong   cách "]).correct
    assert FillBlanks().grade(q, ["làm", "tác phong."]).correct  # any accepted answer
    assert FillBlanks().grade(q, ["làm", "đạo đức"]).fraction == 0.5
    assert FillBlanks().grade(q, ["", "phong cách"]).fraction == 0.5
    assert FillBlanks().grade(q, ["lam", "phong cach"]).fraction == 0.0  # diacritics count
    assert FillBlanks().grade(q, ["làm"]).fraction == 0.0  # not one answer per blank
    assert FillBlanks().grade(q, "làm").fraction == 0.0
    relaxed = fill_question(SENTENCE + "ignore_diacritics: true\n")
    assert FillBlanks().grade(relaxed, ["lam", "phong cach"]).correct


def test_fill_blanks_view_cuts_the_sentence_and_holds_no_answer():
    q = fill_question(SENTENCE)
    view = FillBlanks().public_view(q, "vi")
    assert view == {"parts": ["Học tập và ", " theo tư tưởng, đạo đức, ", " Hồ Chí Minh."]}
    assert "làm" not in json.dumps(FillBlanks().public_view(q, "en"), ensure_ascii=False)


def test_fill_blanks_counts_its_blanks_in_every_language_at_load_time():
    problems = Problems()
    FillBlanks().parse(load_yaml('prompt: "?"\ntext: {vi: "Một ___ hai ___", en: "One ___"}\n'
                                 'blanks: [["a"], ["b"]]\n'),
                       ParseContext(Path("bank.yaml"), problems))
    assert [(e.line, "(en) has 1 blanks" in str(e.message)) for e in problems.errors] == \
        [(2, True)]


FILL_BANK = """\
questions:
  - id: q-fill
    type: fill_blanks
    prompt: {vi: "Điền vào chỗ trống.", en: "Fill in the blanks."}
    text: {vi: "Học tập và ___ theo tư tưởng, đạo đức, ___ Hồ Chí Minh.", en: "Study and ___ Ho Chi Minh's thought, ethics and ___."}
    blanks: [["làm"], ["phong cách"]]
"""


def test_fill_blanks_works_on_the_real_quiz_pages_through_its_own_template(make_app, tmp_path):
    """The core has no template for fill_blanks: the quiz page includes the plugin's file, which
    draws a box inside the sentence at each blank; typed answers are saved, shown again and
    graded."""
    from kit import (PASSWORD, attempt_row, csrf, make_site, start_attempt,
                          study_everything, write_quiz_course)

    from elearn.question_templates import template_name
    from elearn.testing import login

    root = tmp_path / "courses"
    write_quiz_course(root, "khoa-dien", draw=1, bank=FILL_BANK)
    site = make_site(make_app, root)
    qtype = site.extensions["elearn.registry"].question_type("fill_blanks")
    assert not (Path(elearn.__file__).parent / "templates" / template_name(qtype)).exists()
    client = site.test_client()
    login(client, "hocvien", PASSWORD)
    study_everything(site, client, "khoa-dien")
    attempt_id = start_attempt(client, "khoa-dien")
    page_path = f"/courses/khoa-dien/quiz/{attempt_id}/1"
    page = client.get(page_path).get_data(as_text=True)
    sentence = re.search(r'<p class="fill-blanks">(.*?)</p>', page, re.S).group(1)
    assert sentence.startswith("Học tập và <input")
    assert re.findall(r'name="(answer-b\d)"', sentence) == ["answer-b1", "answer-b2"]
    assert 'aria-label="Chỗ trống 1"' in sentence and "Điền vào từng chỗ trống." in page
    assert "phong cách" not in sentence  # the key is not on the page
    saved = client.post(page_path, data={"csrf_token": csrf(client, page_path), "go": "save",
                                         "answer-b1": "Làm", "answer-b2": "phong cach"})
    assert saved.status_code == 303
    assert 'value="Làm"' in client.get(page_path).get_data(as_text=True)
    client.post(f"/courses/khoa-dien/quiz/{attempt_id}/submit",
                data={"csrf_token": csrf(client, "/courses/khoa-dien/quiz/")})
    assert attempt_row(site, attempt_id).score == 50  # one blank of two (accents count)


def test_bundled_course_loads_with_its_question_type(make_app):
    app = make_app(PLUGINS=["elearn_centre_example"])
    registry = app.extensions["elearn.registry"]
    course = registry.course("cd-2018-phong-cach")
    assert course is not None, [str(e) for p in registry.course_problems for e in p.errors]
    assert course.source == "elearn_centre_example"
    assert sum(q.type == "ordering" for q in course.quiz.questions) >= 3  # now a core type
    assert sum(q.type == "fill_blanks" for q in course.quiz.questions) >= 1


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
