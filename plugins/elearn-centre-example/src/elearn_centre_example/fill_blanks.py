"""A fill-in-the-blanks question: a sentence with gaps, each typed in and matched against the
answers the author accepts. It brings its own template (templates/fill_blanks.html), so the
sentence reads as one line with its boxes in place; elearn's core knows nothing about it.

Author YAML:

    type: fill_blanks
    text: {vi: "Học tập và ___ theo tư tưởng, đạo đức, ___ Hồ Chí Minh.", en: "…"}
    blanks:                      # one list of accepted answers per "___", in order
      - ["làm"]
      - ["phong cách"]
    ignore_diacritics: false     # optional

Each blank earns an equal share of the points (case, spacing and punctuation do not matter).
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from wtforms import FormField, StringField
from wtforms.validators import Length

from elearn.api import AppSubForm, Grade, ParseContext, Question, QuestionType

BLANK = "___"
MAX_LENGTH = 100


def normalise(text: str, ignore_diacritics: bool) -> str:
    """Case-, spacing- and punctuation-insensitive form of a typed word."""
    text = unicodedata.normalize("NFC", text).casefold()
    if ignore_diacritics:
        text = "".join(c for c in unicodedata.normalize("NFD", text.replace("đ", "d"))
                       if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


class FillBlanks(QuestionType):
    name = "fill_blanks"
    label = _l("Fill in the blanks")
    fields = frozenset({"text", "blanks", "ignore_diacritics"})
    template = Path(__file__).resolve().parent / "templates" / "fill_blanks.html"

    def parse(self, raw: Mapping[str, Any], ctx: ParseContext) -> dict[str, Any]:
        text = ctx.text(raw, "text")
        blanks = ctx.items(raw, "blanks", minimum=1)
        accepted = []
        for index, answers in enumerate(blanks):
            if not isinstance(answers, list) or not answers or not all(
                    isinstance(a, (str, int)) and str(a).strip() for a in answers):
                ctx.error(blanks, index, _l("each blank needs a list of accepted answers"))
                continue
            accepted.append([str(a) for a in answers])
        if text is not None and blanks:
            for language, sentence in text.values.items():
                if sentence.count(BLANK) != len(blanks):
                    ctx.error(raw, "text", _l(
                        "the text (%(lang)s) has %(found)d blanks (___) but 'blanks' lists "
                        "%(listed)d", lang=language, found=sentence.count(BLANK),
                        listed=len(blanks)))
        return {"text": text, "blanks": accepted,
                "ignore_diacritics": ctx.boolean(raw, "ignore_diacritics", False)}

    def grade(self, question: Question, answer: Any) -> Grade:
        """`answer` is the list of typed texts, one per blank."""
        blanks = question.data["blanks"]
        if not isinstance(answer, list) or len(answer) != len(blanks):
            return Grade.of(0.0)
        strip = question.data["ignore_diacritics"]
        right = sum(1 for typed, accepted in zip(answer, blanks)
                    if typed and normalise(str(typed), strip)
                    in {normalise(a, strip) for a in accepted})
        return Grade.of(right / len(blanks))

    def public_view(self, question: Question, language: str | None) -> dict[str, Any]:
        """The sentence cut at its blanks: the parts between the boxes."""
        return {"parts": question.data["text"].get(language).split(BLANK)}

    def field(self, question, view):
        class Blanks(AppSubForm):
            pass

        for number in range(1, len(view["parts"])):
            setattr(Blanks, f"b{number}", StringField(
                _l("Blank %(num)d", num=number), validators=[Length(max=MAX_LENGTH)],
                render_kw={"autocomplete": "off", "spellcheck": "false", "size": "12",
                           "maxlength": str(MAX_LENGTH)}))
        return FormField(Blanks, separator="-")

    def parse_answer(self, question, data, arrangement):
        typed = [" ".join(str((data or {}).get(f"b{n}") or "").split())[:MAX_LENGTH]
                 for n in range(1, len(question.data["blanks"]) + 1)]
        return typed if any(typed) else None

    def field_data(self, question, answer, arrangement):
        return {f"b{n}": text for n, text in enumerate(answer or (), start=1)}

    def key_text(self, question, language):
        return "; ".join(accepted[0] for accepted in question.data["blanks"])
