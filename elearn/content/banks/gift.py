"""Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format): read and write.

Imported: comments, `::title::` (→ id), `[html]`/`[markdown]`/`[plain]`/`[moodle]` markers,
escapes, multiple choice with `=`/`~` and `%weights%`, feedback `#` and general feedback
`####`, true/false, short answer, matching (`=left -> right`, `= -> distractor`), numeric
(`#value`, `#value:tolerance`, `#min..max`, several `=%weight%` answers), `$CATEGORY:`
(→ tags). Refused by name: essay, description, missing word; weights elearn cannot grade the
same way."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from markdown_it import MarkdownIt
from flask_babel import lazy_gettext as _l

from .model import (MATCHING, MULTIPLE, NUMERIC, SHORT, SINGLE, TRUE_FALSE, BankQuestion,
                    ImportResult, NumericAnswer, Option, Refusal, category_tags, join_feedback,
                    labelled, matching_problem, refused_type)
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
        _numeric(question, body[1:], markup, general)
        return
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
        _matching(question, answers, general)
        return
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


def _matching(question: BankQuestion, answers: list, general: str) -> None:
    """`=left -> right` pairs; `= -> right` is a right-hand item that matches nothing."""
    for _marker, weight, text, _feedback in answers:
        if weight is not None or "->" not in text:
            raise _Refused(_l("every line of a matching question must read “=left -> right”"))
        # An answer may carry its own [html]/[plain]… marker: the text alone is kept.
        left, _arrow, right = (_FORMAT.sub("", part).strip() for part in text.partition("->"))
        if not right:
            raise _Refused(_l("a pair of the matching question has no right-hand item"))
        if left:
            question.pairs.append((left, right))
        else:
            question.distractors.append(right)
    problem = matching_problem(question)
    if problem is not None:
        raise _Refused(problem)
    question.type = MATCHING
    question.feedback = _answer_feedback(general, answers)


_NUMERIC_ANSWER = re.compile(
    r"^(?P<value>[+-]?\d+(?:\.\d+)?|[+-]?\.\d+)"
    r"(?:(?::(?P<tolerance>\d+(?:\.\d+)?|\.\d+))|(?:\.\.(?P<high>[+-]?\d+(?:\.\d+)?)))?$")


def _numeric(question: BankQuestion, body: str, markup: str, general: str) -> None:
    """`{#1911}`, `{#3.5:0.1}`, `{#1..5}` or several `=%weight%value:tolerance#feedback`
    answers; `~` answers are wrong ones, kept only for their feedback."""
    body = body.strip()
    chunks = re.split(r"(?=[=~])", body if body[:1] in "=~" else "=" + body)
    feedback = [general]
    for chunk in (c for c in chunks if c.strip()):
        marker, weight, text, answer_feedback = _answer(chunk, markup)
        if marker == "~" or weight == 0:
            feedback.append(labelled(text or _("Any other answer"), answer_feedback))
            continue
        match = _NUMERIC_ANSWER.match(text.replace(" ", ""))
        if not match:
            raise _Refused(_l("“%(text)s” is not a number elearn can read (write 3.5, 3.5:0.1 "
                              "or 1..5)", text=text))
        credit = 100.0 if weight is None else weight
        if not 0 < credit <= 100:
            raise _Refused(_l("numeric answer weight %(weight)s%% must be above 0 and at most "
                              "100", weight=f"{credit:g}"))
        value, tolerance = Decimal(match["value"]), Decimal(match["tolerance"] or 0)
        if match["high"] is not None:
            low, high = sorted((value, Decimal(match["high"])))
            value, tolerance = (low + high) / 2, (high - low) / 2
        question.numbers.append(NumericAnswer(str(value), str(tolerance), credit))
        feedback.append(labelled(text, answer_feedback))
    if not any(n.credit == 100 for n in question.numbers):
        raise _Refused(_l("the numeric question has no answer at 100%"))
    question.type = NUMERIC
    question.feedback = join_feedback(feedback)


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
    elif question.type == MATCHING:
        body += [f"\t={escape(left)} -> {escape(right)}" for left, right in question.pairs]
        body += [f"\t= -> {escape(right)}" for right in question.distractors]
    elif question.type == NUMERIC:
        head += "#"
        for number in question.numbers:
            weight = "" if number.credit == 100 else f"%{_weight(number.credit)}%"
            body.append(f"\t={weight}{number.value}:{number.tolerance}")
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
