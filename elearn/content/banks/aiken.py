"""Moodle's Aiken format (https://docs.moodle.org/en/Aiken_format): single-choice questions.

    Question text (one or more lines)
    A. option            (or "A) option")
    B. option
    ANSWER: B
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .model import SINGLE, BankQuestion, ImportResult, Option, Refusal
from .text import tidy

_OPTION = re.compile(r"^([A-Z])[.)]\s+(\S.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


def looks_like_aiken(text: str) -> bool:
    """An Aiken file has ANSWER lines and lettered options and no GIFT answer blocks."""
    lines = [line.strip() for line in text.splitlines()]
    return (any(_ANSWER.match(line) for line in lines)
            and any(_OPTION.match(line) for line in lines)
            and not any("{" in line for line in lines if not line.startswith("//")))


class _Pending:
    def __init__(self, line: int) -> None:
        self.line = line
        self.prompt: list[str] = []
        self.options: dict[str, str] = {}


def parse(text: str) -> ImportResult:
    result = ImportResult()
    pending: _Pending | None = None

    def missing_answer(question: _Pending) -> None:
        result.refusals.append(Refusal(f"line {question.line}", _l(
            "the question has no “ANSWER:” line")))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        option, answer = _OPTION.match(line), _ANSWER.match(line)
        if answer:
            if pending is None:
                result.refusals.append(Refusal(f"line {number}", _l(
                    "“ANSWER:” without a question before it")))
            else:
                _finish(pending, answer.group(1).strip().upper(), number, result)
            pending = None
        elif option and pending is not None and pending.prompt:
            letter = option.group(1)
            if letter in pending.options:
                result.refusals.append(Refusal(f"line {number}", _l(
                    "option %(letter)s is written twice", letter=letter)))
            pending.options[letter] = tidy(option.group(2))
        else:
            if pending is not None and pending.options:
                missing_answer(pending)
                pending = None
            if pending is None:
                pending = _Pending(number)
            pending.prompt.append(line)
    if pending is not None:
        missing_answer(pending)
    return result


def _finish(pending: _Pending, letter: str, number: int, result: ImportResult) -> None:
    where = f"line {pending.line}"
    if len(pending.options) < 2:
        result.refusals.append(Refusal(where, _l("a choice question needs at least two options")))
    elif not re.fullmatch(r"[A-Z]", letter):
        result.refusals.append(Refusal(f"line {number}", _l(
            "“ANSWER: %(answer)s” must name one option letter", answer=letter)))
    elif letter not in pending.options:
        result.refusals.append(Refusal(f"line {number}", _l(
            "“ANSWER: %(answer)s” is not one of the options (%(letters)s)", answer=letter,
            letters=", ".join(pending.options))))
    else:
        result.questions.append(BankQuestion(
            type=SINGLE, prompt=tidy("\n".join(pending.prompt)), where=where,
            options=[Option(text, key == letter) for key, text in pending.options.items()]))
