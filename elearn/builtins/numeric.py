"""A numeric question: the learner types a number; it counts when within the tolerance.

Learners type Vietnamese decimals ("3,5") as often as English ones ("3.5"); both are read the
same (see `read_number`). An author may accept several values, each with its own tolerance and
credit (as GIFT and Moodle XML do): the best matching one counts.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from babel.numbers import format_decimal
from flask_babel import lazy_gettext as _l

from ..api import (
    Arrangement, Grade, InvalidAnswer, ParseContext, Question, QuestionType, TextAnswerField,
)

ANSWER_FIELDS = frozenset({"value", "tolerance", "credit"})
MAX_DIGITS = 30
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_NUMBER = re.compile(r"^[+\-]?(\d+([.,]\d+)*)?([.,]\d+)?$", re.ASCII)


def read_number(text: str) -> Decimal | None:
    """A typed number as a Decimal; None when the text is not one.

    One comma or one point is the decimal mark ("3,5" = "3.5"). When both appear, the last one
    is the decimal mark and the other groups thousands ("1.234,5" = "1,234.5"); a mark that
    repeats groups thousands ("1.000.000"). A lone "1.234" therefore reads as 1.234, never
    1234: written decimals are far more common in quiz answers than grouped thousands.
    babel's parse_decimal cannot be used: it reads "3.5" as 35 in a Vietnamese locale.
    """
    text = _SPACES.sub("", text or "").replace("−", "-")
    if not text or len(text) > MAX_DIGITS or not _NUMBER.match(text) or not any(
            c.isdigit() for c in text):
        return None
    marks = [c for c in text if c in ".,"]
    if marks:
        last = marks[-1]
        if len(set(marks)) == 1 and len(marks) > 1:
            text = text.replace(last, "")  # "1.000.000": every mark groups
        else:
            other = "," if last == "." else "."
            text = text.replace(other, "")
            if text.count(last) > 1:
                return None  # "1,2,3.5"-like mixtures
            text = text.replace(last, ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    number = read_number(str(value)) if isinstance(value, str) else Decimal(str(value))
    return number if number is not None and number.is_finite() else None


class Numeric(QuestionType):
    name = "numeric"
    label = _l("Number")
    fields = frozenset({"answer", "tolerance", "answers", "unit"})
    template = "question_types/numeric.html"

    def parse(self, raw: Mapping[str, Any], ctx: ParseContext) -> dict[str, Any]:
        if ("answer" in raw) == ("answers" in raw):
            ctx.error(raw, None, _l("a numeric question needs either 'answer' (with an optional "
                                    "'tolerance') or 'answers', not both"))
            return {"answers": [], "unit": None}
        if "answers" in raw:
            if "tolerance" in raw:
                ctx.error(raw, "tolerance", _l("with 'answers', give each answer its own "
                                               "tolerance"))
            entries = ctx.items(raw, "answers", minimum=1)
        else:
            # The short form: one value at full credit; problems are reported at its lines.
            entries = [{"value": raw["answer"], "tolerance": raw.get("tolerance", 0)}]
        answers = []
        for index, entry in enumerate(entries):
            node = raw if "answer" in raw else entry
            if not isinstance(entry, Mapping):
                ctx.error(entries, index, _l("an answer must be a mapping with a value"))
                continue
            for key in entry:
                if key not in ANSWER_FIELDS:
                    ctx.error(entry, key, _l("unknown field '%(field)s'", field=key))
            value = _decimal(entry.get("value"))
            tolerance = _decimal(entry.get("tolerance", 0))
            credit = entry.get("credit", 100)
            if value is None:
                ctx.error(node, "answer" if node is raw else "value",
                          _l("'%(field)s' must be a number", field="answer"
                             if node is raw else "value"))
                continue
            if tolerance is None or tolerance < 0:
                ctx.error(node, "tolerance", _l("'tolerance' must be a number, 0 or more"))
                continue
            if isinstance(credit, bool) or not isinstance(credit, (int, float)) \
                    or not 0 < credit <= 100:
                ctx.error(node, "credit", _l("'credit' must be a percentage above 0, at most "
                                             "100"))
                continue
            answers.append({"value": str(value), "tolerance": str(tolerance),
                            "credit": float(credit)})
        if answers and not any(a["credit"] == 100 for a in answers):
            ctx.error(raw, "answers", _l("at least one answer must give full credit (100)"))
        return {"answers": answers, "unit": ctx.text(raw, "unit", required=False)}

    def grade(self, question: Question, answer: Any) -> Grade:
        given = _decimal(answer) if answer is not None else None
        if given is None:
            return Grade.of(0.0)
        best = max((a["credit"] for a in question.data["answers"]
                    if abs(given - Decimal(a["value"])) <= Decimal(a["tolerance"])), default=0.0)
        return Grade.of(best / 100)

    def public_view(self, question: Question, language: str | None) -> dict[str, Any]:
        unit = question.data["unit"]
        return {"unit": unit.get(language) if unit else None}

    def field(self, question, view):
        return TextAnswerField(render_kw={"maxlength": str(MAX_DIGITS), "inputmode": "decimal"})

    def parse_answer(self, question, data, arrangement: Arrangement):
        text = str(data or "").strip()
        if not text:
            return None
        number = read_number(text)
        if number is None:
            raise InvalidAnswer(_l("Type a number, for example 3,5 or -12."))
        return str(number)

    def key_text(self, question, language):
        first = next(a for a in question.data["answers"] if a["credit"] == 100)
        locale = language or "vi"
        text = format_decimal(Decimal(first["value"]), locale=locale)
        if Decimal(first["tolerance"]):
            text += " ± " + format_decimal(Decimal(first["tolerance"]), locale=locale)
        unit = question.data["unit"]
        return f"{text} {unit.get(language)}" if unit else text
