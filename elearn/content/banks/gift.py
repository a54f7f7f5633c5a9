"""Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format): read and write.

Imported: comments, `::title::` (→ id), `[html]`/`[markdown]`/`[plain]`/`[moodle]` markers,
escapes, multiple choice with `=`/`~` and `%weights%`, feedback `#` and general feedback
`####`, true/false, short answer, `$CATEGORY:` (→ tags). Refused by name: matching, numeric,
essay, description, missing word; weights elearn cannot grade the same way."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from markdown_it import MarkdownIt
from flask_babel import lazy_gettext as _l

from .model import (MULTIPLE, SHORT, SINGLE, TRUE_FALSE, BankQuestion, ImportResult, Option,
                    Refusal, category_tags, join_feedback, labelled,
                    refused_type)
from .text import html_to_text, tidy

_ESCAPABLE = "~=#{}:"
# Escaped characters stand in as private-use characters while the structure is parsed.
_HIDE = {f"\\{c}": chr(0xE000 + i) for i, c in enumerate(_ESCAPABLE)}
_SHOW = {chr(0xE000 + i): c for i, c in enumerate(_ESCAPABLE)}
_FORMAT = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:[.,]\d+)?)%")
_TRUE_FALSE = re.compile(r"^(T|TRUE|F|FALSE)\s*(#.*)?$", re.IGNORECASE | re.DOTALL)


class _Refused(Exception):
    def __init__(self, reason: Any) -> None:
        super().__init__(str(reason))
        self.reason = reason


_BACKSLASH = chr(0xE010)
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def _hide(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    for escaped, private in _HIDE.items():
        text = text.replace(escaped, private)
    return text.replace("\\n", "\n").replace(_BACKSLASH, "\\")


def _show(text: str, markup: str) -> str:
    for private, char in _SHOW.items():
        text = text.replace(private, char)
    if markup == "markdown":  # elearn prompts are plain text: keep the words, drop the marks
        return html_to_text(_MARKDOWN.render(text))
    return html_to_text(text) if markup == "html" else tidy(text)


def blocks(text: str) -> list[tuple[int, str]]:
    """The questions of a GIFT file: runs of non-blank lines, comment lines dropped, each
    with the number of its first line."""
    result: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if current:
                result.append((start, "\n".join(current)))
            current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        result.append((start, "\n".join(current)))
    return result


def parse(text: str) -> ImportResult:
    result = ImportResult()
    tags: list[str] = []
    for start, block in blocks(text):
        where = f"line {start}"
        if block.lstrip().startswith("$CATEGORY:"):
            # Only its own line: a question written right under it is still a question.
            first, _newline, block = block.partition("\n")
            tags = category_tags(first.split(":", 1)[1])
            if not block.strip():
                continue
            start += 1
            where = f"line {start}"
        try:
            question = _question(_hide(block), where)
        except _Refused as refused:
            result.refusals.append(Refusal(where, refused.reason))
            continue
        question.tags = list(tags)
        result.questions.append(question)
    return result


def _question(block: str, where: str) -> BankQuestion:
    title = ""
    match = re.match(r"^\s*::(.*?)::", block, re.DOTALL)
    if match:
        title, block = _show(match.group(1), "plain"), block[match.end():]
    markup_match = _FORMAT.match(block)
    markup = markup_match.group(1).lower() if markup_match else "moodle"
    if markup_match:
        block = block[markup_match.end():]
    opening, closing = block.find("{"), block.rfind("}")
    if opening < 0:
        raise _Refused(refused_type("description"))
    if closing < opening:
        raise _Refused(_l("the answer block opened with “{” is not closed with “}”"))
    prompt = _show(block[:opening], markup)
    if block[closing + 1:].strip():
        raise _Refused(refused_type("missing word"))
    if not prompt:
        raise _Refused(_l("the question has no text"))
    question = BankQuestion(type=SINGLE, prompt=prompt, where=where, title=title)
    _answers(question, block[opening + 1:closing], markup)
    return question


def _answers(question: BankQuestion, body: str, markup: str) -> None:
    general = ""
    if "####" in body:
        body, general = body.split("####", 1)
        general = _show(general, markup)
    body = body.strip()
    if not body:
        raise _Refused(refused_type("essay"))
    if body.startswith("#"):
        raise _Refused(refused_type("numeric"))
    true_false = _TRUE_FALSE.match(body)
    if true_false:
        question.type = TRUE_FALSE
        question.answer = true_false.group(1).upper().startswith("T")
        # Moodle: the first feedback is for a wrong answer, the second for a right one.
        feedbacks = [_show(f, markup) for f in (true_false.group(2) or "").split("#")[1:3]]
        labels = [_("When answered wrongly"), _("When answered rightly")]
        question.feedback = join_feedback([general] + [labelled(label, text)
                                               for label, text in zip(labels, feedbacks)])
        return
    chunks = re.split(r"(?=[=~])", body)
    if chunks[0].strip():
        raise _Refused(_l("the answer block does not start with “=” or “~”: %(text)s",
                          text=_show(chunks[0], "plain")[:40]))
    answers = [_answer(chunk, markup) for chunk in chunks if chunk.strip()]
    if all(marker == "=" for marker, *_ in answers) and any("->" in text
                                                            for _, _, text, _ in answers):
        raise _Refused(refused_type("matching"))
    if all(marker == "=" for marker, *_ in answers):
        _short_answer(question, answers, general)
    else:
        _choice(question, answers, general)


def _answer(chunk: str, markup: str) -> tuple[str, float | None, str, str]:
    marker, rest = chunk[0], chunk[1:].strip()
    weight = None
    match = _WEIGHT.match(rest)
    if match:
        weight = float(match.group(1).replace(",", "."))
        rest = rest[match.end():]
    text, _hash, feedback = rest.partition("#")
    return marker, weight, _show(text, markup), _show(feedback, markup)


def _answer_feedback(general: str, answers: list[tuple[str, float | None, str, str]]) -> str:
    """elearn has one feedback per question: the general one, then each answer's own."""
    return join_feedback([general] + [f"{text}: {feedback}" for _, _, text, feedback in answers
                              if feedback])


def _short_answer(question: BankQuestion, answers: list, general: str) -> None:
    partial = [text for _, weight, text, _ in answers if weight is not None and weight != 100]
    if partial:
        raise _Refused(_l("short answer with partial-credit answers (%(answers)s) cannot be "
                          "imported: elearn accepts an answer or not", answers=", ".join(partial)))
    question.type = SHORT
    question.answers = [text for _, _, text, _ in answers if text]
    if not question.answers:
        raise _Refused(_l("the short answer has no accepted answer"))
    question.feedback = _answer_feedback(general, answers)


def _choice(question: BankQuestion, answers: list, general: str) -> None:
    weights = [100.0 if marker == "=" and weight is None else (weight or 0.0)
               for marker, weight, _, _ in answers]
    positive = [w for w in weights if w > 0]
    if not positive:
        raise _Refused(_l("no answer is marked right (“=” or a positive %weight%)"))
    if len(positive) == 1 and positive[0] != 100:
        raise _Refused(_l("partial credit for a single answer (%%%(weight)s%%) cannot be "
                          "imported: elearn gives a single choice full or no credit",
                          weight=f"{positive[0]:g}"))
    if len(positive) > 1 and not (all(w == 100 for w in positive) or (
            max(positive) - min(positive) < 0.01 and abs(sum(positive) - 100) < 1)):
        raise _Refused(_l("multiple choice with unequal weights (%(weights)s) cannot be "
                          "imported: elearn gives each right option an equal share",
                          weights=", ".join(f"{w:g}%" for w in positive)))
    question.type = SINGLE if len(positive) == 1 else MULTIPLE
    question.options = [Option(text, weight > 0)
                        for (_, _, text, _), weight in zip(answers, weights)]
    if len(question.options) < 2:
        raise _Refused(_l("a choice question needs at least two options"))
    question.feedback = _answer_feedback(general, answers)


# --- export ---------------------------------------------------------------------------------

def escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in _ESCAPABLE:
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def _weight(share: float) -> str:
    return f"{share:.5f}".rstrip("0").rstrip(".")


def write_question(qid: str, question: BankQuestion) -> str:
    """One question in GIFT, with the id as its title so a re-import keeps it."""
    head = f"::{escape(qid)}::[plain]{escape(question.prompt)} {{"
    body: list[str] = []
    if question.type == TRUE_FALSE:
        head += "TRUE" if question.answer else "FALSE"
    elif question.type == SHORT:
        body += [f"\t={escape(answer)}" for answer in question.answers]
    else:
        right = sum(1 for o in question.options if o.correct)
        for option in question.options:
            if question.type == SINGLE:
                marker = "=" if option.correct else "~"
            else:  # elearn: each right pick earns 1/right, each wrong pick takes one back
                share = _weight(100 / right)
                marker = f"~%{share}%" if option.correct else f"~%-{share}%"
            body.append(f"\t{marker}{escape(option.text)}")
    if question.feedback:
        body.append(f"\t####{escape(question.feedback)}")
    if not body:
        return head + "}\n"
    return "\n".join([head, *body, "}"]) + "\n"
