"""Moodle XML (https://docs.moodle.org/en/Moodle_XML_format), parsed with defusedxml so a
hostile file (entity bombs, external entities) is refused instead of expanded."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .model import (MULTIPLE, ORDERING, POINTS_MAX, POINTS_MIN, SHORT, SINGLE, TRUE_FALSE,
                    BankFileError, BankQuestion, ImportResult, Option, Refusal, category_tags,
                    join_feedback, labelled, refused_type)
from .text import html_to_text, tidy

# Moodle's names for the types elearn has no equivalent of, as the refusal names them.
_REFUSED = {"numerical": "numeric", "matching": "matching", "essay": "essay",
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
    if kind not in ("multichoice", "truefalse", "shortanswer", ORDERING):
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
