"""A small valid course folder for tests: write it, then load it or break a part of it."""
from __future__ import annotations

import textwrap
from pathlib import Path

LESSON = """\
---
title: {{vi: "Bài {n}", en: "Lesson {n}"}}
---
## Nội dung

{body}
"""

BANK = """\
questions:
  - id: q1
    type: single_choice
    prompt: {vi: "Câu một?", en: "Question one?"}
    options:
      - {id: a, text: "Đúng", correct: true}
      - {id: b, text: "Sai"}
  - id: q2
    type: true_false
    prompt: "Câu hai?"
    answer: true
"""

COURSE = """\
slug: {slug}
version: "1.0"
title: {{vi: "Khóa thử {slug}", en: "Test course {slug}"}}
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
  draw: 2
  pass_mark: 50
"""


def write_course(root: Path, slug: str = "khoa-thu", *, course: str | None = None,
                 lessons: dict[str, str] | None = None, bank: str | None = None) -> Path:
    """Write `root/slug`: course.yaml, lessons/01-mot.md and 02-hai.md, quizzes/bank.yaml and
    an empty assets/. Each part can be replaced (`course`, `lessons` by file name, `bank`) to
    write another course or to make it broken on purpose."""
    folder = root / slug
    (folder / "lessons").mkdir(parents=True)
    (folder / "quizzes").mkdir()
    (folder / "assets").mkdir()
    (folder / "course.yaml").write_text(course or COURSE.format(slug=slug), encoding="utf-8")
    for index, name in enumerate(["01-mot.md", "02-hai.md"], start=1):
        text = (lessons or {}).get(name) or LESSON.format(n=index, body="Học tập và làm theo.")
        (folder / "lessons" / name).write_text(text, encoding="utf-8")
    (folder / "quizzes" / "bank.yaml").write_text(bank or BANK, encoding="utf-8")
    return folder


def dedent(text: str) -> str:
    """A YAML or Markdown snippet written indented in a test, as the file's text."""
    return textwrap.dedent(text).lstrip("\n")
