"""Moodle XML (https://docs.moodle.org/en/Moodle_XML_format), parsed with defusedxml so a
hostile file (entity bombs, external entities) is refused instead of expanded."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .model import (MATCHING, MULTIPLE, NUMERIC, ORDERING, POINTS_MAX, POINTS_MIN, SHORT,
                    SINGLE, TRUE_FALSE, BankFileError, BankQuestion, ImportResult, NumericAnswer,
                    Option, Refusal, category_tags, join_feedback, labelled, matching_problem,
                    refused_type)
from .text import html_to_text, tidy

# Moodle's names for the types elearn has no equivalent of, as the refusal names them.
_REFUSED = {"essay": "essay",
            "description": "description", "cloze": "cloze", "multianswer": "cloze",
            "calculated": "calculated", "calculatedsimple": "calculated",
            "calculatedmulti": "calculated", "randomsamatch": "random short-answer matching",
            "ddwtos": "drag and drop into text", "gapselect": "select missing words",
            "ddimageortext": "drag and drop onto image", "ddmarker": "drag and drop markers"}
# qtype_ordering's grading: only these two grade as elearn's ordering type does (neighbour
# pairs in the right order, over n-1 pairs; or all or nothing).
_ORDERING_PARTIAL = {"1", "RELATIVE_NEXT_EXCLUDE_LAST"}
_ORDERING_ALL_OR_NOTHING = {"-1", "ALL_OR_NOTHING"}


class _LineBuilder(ET.TreeBuilder):
    """Remembers the line each element starts on (ElementTree itself does not)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[ET.Element, int] = {}
        self.parser: Any = None

    def start(self, tag, attrs):  # type: ignore[override]
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


class _Refused(Exception):
    def __init__(self, reason: Any) -> None:
        super().__init__(str(reason))
        self.reason = reason


def parse(data: bytes, known_types: Collection[str] = ()) -> ImportResult:
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except (ET.ParseError, DefusedXmlException) as exc:
        raise BankFileError(_l("not a readable Moodle XML file: %(error)s",
                               error=str(exc))) from exc
    if root.tag != "quiz":
        raise BankFileError(_l("not a Moodle XML question file: the root element is <%(tag)s>, "
                               "not <quiz>", tag=root.tag))
    result = ImportResult()
    tags: list[str] = []
    for element in root.findall("question"):
        where = f"line {builder.lines.get(element, 0)}"
        kind = element.get("type", "")
        if kind == "category":
            tags = category_tags(_text(element.find("category")))
            continue
        try:
            question = _question(element, kind, where, known_types)
        except _Refused as refused:
            result.refusals.append(Refusal(where, refused.reason))
            continue
        question.tags = _dedupe(tags + [t for t in (tidy(_text(tag)) for tag in
                                                    element.findall("tags/tag")) if t])
        result.questions.append(question)
    return result


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _text(element: ET.Element | None, default_format: str = "moodle_auto_format") -> str:
    """The text of a Moodle text node (<x format="html"><text>…</text></x>), as plain text."""
    if element is None:
        return ""
    node = element.find("text")
    raw = (node.text if node is not None else element.text) or ""
    if element.get("format", default_format) == "html" or "<" in raw:
        return html_to_text(raw)
    return tidy(raw)


def _question(element: ET.Element, kind: str, where: str, known_types: Collection[str]
              ) -> BankQuestion:
    if kind in _REFUSED:
        raise _Refused(refused_type(_REFUSED[kind]))
    if kind == ORDERING and ORDERING not in known_types:
        raise _Refused(refused_type(ORDERING))
    if kind not in ("multichoice", "truefalse", "shortanswer", ORDERING, "matching",
                    "numerical"):
        raise _Refused(refused_type(kind or "?"))
    text_node = element.find("questiontext")
    if text_node is not None and text_node.find("file") is not None:
        raise _Refused(_l("the question text embeds a file (an image): elearn banks hold "
                          "text only"))
    prompt = _text(text_node)
    if not prompt:
        raise _Refused(_l("the question has no text"))
    question = BankQuestion(type=SINGLE, prompt=prompt, where=where,
                            title=_text(element.find("name")))
    grade = tidy((element.findtext("defaultgrade") or "1"))
    try:
        question.points = float(grade)
    except ValueError:
        question.points = 0.0
    if not POINTS_MIN <= question.points <= POINTS_MAX:
        raise _Refused(_l("<defaultgrade> %(grade)s must be a number from 0.01 to 1000",
                          grade=grade))
    answers = [(_fraction(a), _text(a), _text(a.find("feedback")))
               for a in element.findall("answer")]
    general = _text(element.find("generalfeedback"))
    if kind == "truefalse":
        right = [text.lower() for fraction, text, _ in answers if fraction == 100]
        if right not in (["true"], ["false"]):
            raise _Refused(_l("a true/false question needs the answer true or false at 100%"))
        question.type, question.answer = TRUE_FALSE, right[0] == "true"
        question.feedback = join_feedback([general] + [
            labelled(_("True") if text.lower() == "true" else _("False"), fb)
            for _f, text, fb in answers])
    elif kind == ORDERING:
        _ordering(element, question, answers, general)
    elif kind == "matching":
        _matching(element, question, general)
    elif kind == "numerical":
        _numerical(element, question, general)
    elif kind == "shortanswer":
        _short_answer(element, question, answers, general)
    else:
        _multichoice(element, question, answers, general)
    return question


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        raise _Refused(_l("answer fraction %(fraction)s is not a number",
                          fraction=answer.get("fraction"))) from None


def _feedback(general: str, answers: list[tuple[float, str, str]]) -> str:
    return join_feedback([general] + [f"{text}: {fb}" for _, text, fb in answers if fb])


def _short_answer(element: ET.Element, question: BankQuestion, answers: list, general: str
                  ) -> None:
    if (element.findtext("usecase") or "0").strip() == "1":
        raise _Refused(_l("case-sensitive short answer cannot be imported: elearn always "
                          "ignores case"))
    partial = [text for fraction, text, _ in answers if 0 < fraction < 100]
    if partial:
        raise _Refused(_l("short answer with partial-credit answers (%(answers)s) cannot be "
                          "imported: elearn accepts an answer or not", answers=", ".join(partial)))
    accepted = [text for fraction, text, _ in answers if fraction == 100]
    if any("*" in text for text in accepted):
        raise _Refused(_l("short answer with a “*” wildcard cannot be imported: elearn "
                          "compares whole answers"))
    if not accepted:
        raise _Refused(_l("the short answer has no accepted answer"))
    question.type, question.answers = SHORT, accepted
    question.feedback = _feedback(general, answers)


def _multichoice(element: ET.Element, question: BankQuestion, answers: list, general: str
                 ) -> None:
    single = (element.findtext("single") or "true").strip().lower() in ("true", "1")
    positive = [fraction for fraction, _, _ in answers if fraction > 0]
    if len(answers) < 2:
        raise _Refused(_l("a choice question needs at least two options"))
    if single:
        if positive != [100]:
            raise _Refused(_l("a one-answer multiple choice needs exactly one answer at 100% "
                              "(elearn gives a single choice full or no credit)"))
        question.type = SINGLE
    else:
        if not positive:
            raise _Refused(_l("no answer is marked right (“=” or a positive %weight%)"))
        if max(positive) - min(positive) >= 0.01 or abs(sum(positive) - 100) >= 1:
            raise _Refused(_l("multiple choice with unequal weights (%(weights)s) cannot be "
                              "imported: elearn gives each right option an equal share",
                              weights=", ".join(f"{w:g}%" for w in positive)))
        question.type = MULTIPLE
    question.options = [Option(text, fraction > 0) for fraction, text, _ in answers]
    question.feedback = join_feedback([_feedback(general, answers),
                                       *_combined_feedback(element)])


def _combined_feedback(element: ET.Element) -> list[str]:
    """Moodle's feedback for a right, partly right and wrong answer, labelled."""
    labels = {"correctfeedback": _("When answered rightly"),
              "partiallycorrectfeedback": _("When partly right"),
              "incorrectfeedback": _("When answered wrongly")}
    return [labelled(label, _text(element.find(tag))) for tag, label in labels.items()]


def _ordering(element: ET.Element, question: BankQuestion, answers: list, general: str) -> None:
    """qtype_ordering: the answers' fractions are their places in the right order."""
    grading = (element.findtext("gradingtype") or "").strip().upper()
    if grading not in _ORDERING_PARTIAL | _ORDERING_ALL_OR_NOTHING:
        raise _Refused(_l("ordering graded by “%(grading)s” cannot be imported: elearn grades "
                          "ordering by neighbouring pairs (RELATIVE_NEXT_EXCLUDE_LAST) or all "
                          "or nothing", grading=grading or "?"))
    select = (element.findtext("selecttype") or "ALL").strip().upper()
    count = (element.findtext("selectcount") or "0").strip()
    if select not in ("0", "ALL") and count not in ("0", "") and int(float(count)) < len(answers):
        raise _Refused(_l("ordering that shows only some of its items cannot be imported: "
                          "elearn shows them all"))
    if len(answers) < 3:
        raise _Refused(_l("an ordering question needs at least 3 items"))
    question.type = ORDERING
    question.items = [text for _f, text, _fb in sorted(answers, key=lambda a: a[0])]
    question.partial_credit = grading in _ORDERING_PARTIAL
    question.feedback = join_feedback([general, *_combined_feedback(element)])


def _matching(element: ET.Element, question: BankQuestion, general: str) -> None:
    """Sub-questions are the pairs; one with no text is a right-hand item matching nothing.
    Moodle gives each sub-question an equal share, as elearn's partial credit does."""
    for sub in element.findall("subquestion"):
        left, right = _text(sub), _text(sub.find("answer"))
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
    question.feedback = join_feedback([general, *_combined_feedback(element)])


def _numerical(element: ET.Element, question: BankQuestion, general: str) -> None:
    """Each answer with a positive fraction is an accepted number with its tolerance; "*" at
    0 % is Moodle's "any other answer", kept for its feedback. One unit at multiplier 1 is
    shown after the box; several units or multipliers would need elearn to read units."""
    units = element.findall("units/unit")
    if len(units) > 1 or any(tidy(u.findtext("multiplier") or "1") not in ("1", "1.0", "1.0000000")
                             for u in units):
        raise _Refused(_l("numeric with several units or a unit multiplier cannot be imported: "
                          "elearn reads the number only"))
    question.unit = tidy(units[0].findtext("unit_name") or "") if units else ""
    feedback = [general]
    for answer in element.findall("answer"):
        fraction, text = _fraction(answer), _text(answer)
        answer_feedback = _text(answer.find("feedback"))
        if fraction <= 0:
            feedback.append(labelled(_("Any other answer") if text == "*" else text,
                                     answer_feedback))
            continue
        try:
            value = Decimal(text)
            tolerance = abs(Decimal(tidy(answer.findtext("tolerance") or "0")))
        except InvalidOperation:
            raise _Refused(_l("“%(text)s” is not a number elearn can read (write 3.5, 3.5:0.1 "
                              "or 1..5)", text=text)) from None
        if not value.is_finite() or not tolerance.is_finite() or fraction > 100:
            raise _Refused(_l("“%(text)s” is not a number elearn can read (write 3.5, 3.5:0.1 "
                              "or 1..5)", text=text))
        question.numbers.append(NumericAnswer(str(value), str(tolerance), fraction))
        feedback.append(labelled(text, answer_feedback))
    if not any(n.credit == 100 for n in question.numbers):
        raise _Refused(_l("the numeric question has no answer at 100%"))
    question.type = NUMERIC
    question.feedback = join_feedback(feedback + _combined_feedback(element))
