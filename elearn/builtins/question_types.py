"""Built-in question types: single choice, multiple choice, true/false, short text here;
ordering, matching and numeric in their own modules. One hook registers them all."""
from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from math import comb
from typing import Any, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..api import (
    Arrangement, CheckboxesField, ChoiceRadioField, Grade, ParseContext, Question, QuestionType,
    TextAnswerField, choices, hookimpl, tokenised,
)
from .matching import Matching
from .numeric import Numeric
from .ordering import Ordering

_OPTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def parse_options(raw: Mapping[str, Any], ctx: ParseContext, *, min_correct: int,
                  max_correct: int | None) -> list[dict[str, Any]]:
    """Read `options`: each {id, text, correct?}; ids unique; a bounded number correct."""
    options: list[dict[str, Any]] = []
    items = ctx.items(raw, "options", minimum=2)
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            ctx.error(items, index, _l("an option must be a mapping with id and text"))
            continue
        option_id = item.get("id")
        if not isinstance(option_id, str) or not _OPTION_ID.match(option_id):
            ctx.error(item, "id" if "id" in item else None,
                      _l("an option needs a short 'id' (letters, digits, '_' or '-')"))
            continue
        if option_id in seen:
            ctx.error(item, "id", _l("option id '%(id)s' is used twice", id=option_id))
            continue
        seen.add(option_id)
        for key in item:
            if key not in {"id", "text", "correct"}:
                ctx.error(item, key, _l("unknown field '%(field)s'", field=key))
        text = ctx.text(item, "text")
        options.append({"id": option_id, "text": text,
                        "correct": ctx.boolean(item, "correct", False)})
    correct = sum(1 for option in options if option["correct"])
    if items and (correct < min_correct or (max_correct is not None and correct > max_correct)):
        if max_correct == 1:
            ctx.error(raw, "options", _l("exactly one option must be marked correct: true"))
        else:
            ctx.error(raw, "options", _l("at least %(n)d options must be marked correct: true",
                                         n=min_correct))
    return options


def public_options(question: Question, language: str | None) -> list[dict[str, str]]:
    return [{"id": o["id"], "text": o["text"].get(language)} for o in question.data["options"]]


def option_ids(question: Question) -> list[str]:
    return [o["id"] for o in question.data["options"]]


def option_length(option: Mapping[str, Any]) -> int:
    """Length of an option's Vietnamese text, as a guesser picking "the longest" sees it."""
    return len(" ".join(unicodedata.normalize("NFC", option["text"].get("vi")).split()))


def longest_options(question: Question) -> list[Mapping[str, Any]]:
    options = question.data["options"]
    longest = max(option_length(o) for o in options)
    return [o for o in options if option_length(o) == longest]


def right_tokens(question: Question, arrangement: Arrangement) -> set[str]:
    return {arrangement.token(o["id"]) for o in question.data["options"] if o["correct"]}


def key_texts(question: Question, language: str | None) -> str:
    return "; ".join(o["text"].get(language) for o in question.data["options"] if o["correct"])


def option_warnings(question: Question) -> list[Any]:
    """Habits of authors that guessers exploit: the key is the longest option, two options
    read the same."""
    warnings: list[Any] = []
    longest = longest_options(question)
    if len(longest) == 1 and longest[0]["correct"]:
        warnings.append(_l("the right option is strictly the longest one: guessers pick it"))
    texts = [normalise_text(o["text"].get("vi")) for o in question.data["options"]]
    duplicates = sorted({t for t in texts if texts.count(t) > 1})
    if duplicates:
        warnings.append(_l("two options have the same text: %(text)s",
                           text=", ".join(duplicates)))
    return warnings


def single_choice_odds(question: Question, strategy: str) -> dict[Fraction, Fraction] | None:
    options = question.data["options"]
    if strategy == "random":
        chance = Fraction(1, len(options))
    elif strategy == "longest":
        longest = longest_options(question)
        chance = Fraction(sum(1 for o in longest if o["correct"]), len(longest))
    else:
        return None
    return {Fraction(1): chance, Fraction(0): 1 - chance}


def multiple_choice_fraction(question: Question, right: int, wrong: int) -> Fraction:
    """The exact share `MultipleChoice.grade` gives for `right` right and `wrong` wrong picks."""
    total_right = sum(1 for o in question.data["options"] if o["correct"])
    if not question.data["partial_credit"]:
        return Fraction(1 if right == total_right and wrong == 0 else 0)
    return min(Fraction(1), max(Fraction(0), Fraction(right - wrong, total_right)))


def multiple_choice_odds(question: Question, strategy: str) -> dict[Fraction, Fraction] | None:
    options = question.data["options"]
    n_right = sum(1 for o in options if o["correct"])
    n_wrong = len(options) - n_right
    odds: dict[Fraction, Fraction] = {}

    def add(fraction: Fraction, chance: Fraction) -> None:
        odds[fraction] = odds.get(fraction, Fraction(0)) + chance

    if strategy == "random":  # every non-empty set of ticks equally likely
        subsets = 2 ** len(options) - 1
        for right in range(n_right + 1):
            for wrong in range(n_wrong + 1):
                if right + wrong:
                    add(multiple_choice_fraction(question, right, wrong),
                        Fraction(comb(n_right, right) * comb(n_wrong, wrong), subsets))
    elif strategy == "longest":  # tick only the longest option
        longest = longest_options(question)
        for option in longest:
            add(multiple_choice_fraction(question, int(option["correct"]),
                                         int(not option["correct"])),
                Fraction(1, len(longest)))
    elif strategy == "all_boxes":
        add(multiple_choice_fraction(question, n_right, n_wrong), Fraction(1))
    else:
        return None
    return odds


class SingleChoice(QuestionType):
    name = "single_choice"
    label = _l("Single choice")
    fields = frozenset({"options"})
    template = "question_types/choices.html"

    def parse(self, raw, ctx):
        return {"options": parse_options(raw, ctx, min_correct=1, max_correct=1)}

    def grade(self, question: Question, answer: Any) -> Grade:
        right = next(o["id"] for o in question.data["options"] if o["correct"])
        return Grade.of(1.0 if answer == right else 0.0)

    def public_view(self, question, language):
        return {"options": public_options(question, language), "multiple": False}

    def present(self, question, language, arrangement):
        view = self.public_view(question, language)
        return {**view, "options": tokenised(view["options"], arrangement)}

    def field(self, question, view):
        return ChoiceRadioField(choices=choices(view["options"]))

    def parse_answer(self, question, data, arrangement: Arrangement):
        return arrangement.untoken(data, option_ids(question)) if data else None

    def field_data(self, question, answer, arrangement: Arrangement):
        return arrangement.token(answer) if answer else None

    def key_text(self, question, language):
        return key_texts(question, language)

    def key_choices(self, question, arrangement):
        return right_tokens(question, arrangement)

    def guess(self, question, strategy):
        return single_choice_odds(question, strategy)

    def lint(self, question):
        return option_warnings(question)


class MultipleChoice(QuestionType):
    name = "multiple_choice"
    label = _l("Multiple choice")
    fields = frozenset({"options", "partial_credit"})
    template = "question_types/choices.html"

    def parse(self, raw, ctx):
        return {"options": parse_options(raw, ctx, min_correct=1, max_correct=None),
                "partial_credit": ctx.boolean(raw, "partial_credit", True)}

    def grade(self, question: Question, answer: Any) -> Grade:
        chosen = set(answer or ())
        right = {o["id"] for o in question.data["options"] if o["correct"]}
        if not question.data["partial_credit"]:
            return Grade.of(1.0 if chosen == right else 0.0)
        # Each right pick earns a share; each wrong pick takes one back, so ticking
        # every box never pays.
        return Grade.of((len(chosen & right) - len(chosen - right)) / len(right))

    def public_view(self, question, language):
        return {"options": public_options(question, language), "multiple": True}

    def present(self, question, language, arrangement):
        view = self.public_view(question, language)
        return {**view, "options": tokenised(view["options"], arrangement)}

    def field(self, question, view):
        return CheckboxesField(choices=choices(view["options"]))

    def parse_answer(self, question, data, arrangement: Arrangement):
        ids = option_ids(question)
        chosen = {arrangement.untoken(token, ids) for token in data or ()} - {None}
        return sorted(chosen) or None

    def field_data(self, question, answer, arrangement: Arrangement):
        return [arrangement.token(option_id) for option_id in answer or ()]

    def key_text(self, question, language):
        return key_texts(question, language)

    def key_choices(self, question, arrangement):
        return right_tokens(question, arrangement)

    def guess(self, question, strategy):
        return multiple_choice_odds(question, strategy)

    def lint(self, question):
        warnings = option_warnings(question)
        if sum(1 for o in question.data["options"] if not o["correct"]) < 2:
            warnings.append(_l("fewer than two wrong options: ticking boxes at random "
                               "passes too often"))
        return warnings


class TrueFalse(QuestionType):
    name = "true_false"
    label = _l("True or false")
    fields = frozenset({"answer"})
    template = "question_types/choices.html"

    def parse(self, raw, ctx):
        answer = ctx.require(raw, "answer")
        if answer is not None and not isinstance(answer, bool):
            ctx.error(raw, "answer", _l("'answer' must be true or false"))
        return {"answer": answer}

    def grade(self, question: Question, answer: Any) -> Grade:
        if isinstance(answer, str):
            answer = {"true": True, "false": False}.get(answer.lower())
        return Grade.of(1.0 if answer is question.data["answer"] else 0.0)

    def public_view(self, question, language):
        return {}

    def field(self, question, view):
        return ChoiceRadioField(choices=choices([{"id": "true", "text": _l("True")},
                                                 {"id": "false", "text": _l("False")}]))

    def parse_answer(self, question, data, arrangement):
        return {"true": True, "false": False}.get(data) if data else None

    def field_data(self, question, answer, arrangement):
        return None if answer is None else ("true" if answer else "false")

    def key_text(self, question, language):
        return _("True") if question.data["answer"] else _("False")

    def key_choices(self, question, arrangement):
        return {"true" if question.data["answer"] else "false"}

    def guess(self, question, strategy):
        if strategy == "random":
            return {Fraction(1): Fraction(1, 2), Fraction(0): Fraction(1, 2)}
        if strategy in ("always_true", "always_false"):
            right = question.data["answer"] is (strategy == "always_true")
            return {Fraction(int(right)): Fraction(1)}
        return None


def normalise_text(text: str, ignore_diacritics: bool = False) -> str:
    """Case-, spacing- and punctuation-insensitive form of a typed answer."""
    text = unicodedata.normalize("NFC", text).casefold()
    if ignore_diacritics:
        text = text.replace("đ", "d")
        text = "".join(c for c in unicodedata.normalize("NFD", text)
                       if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


class ShortText(QuestionType):
    name = "short_text"
    label = _l("Short text")
    fields = frozenset({"answers", "ignore_diacritics"})
    template = "question_types/text.html"

    def parse(self, raw, ctx):
        answers = ctx.items(raw, "answers", minimum=1)
        if not all(isinstance(a, (str, int)) and str(a).strip() for a in answers):
            ctx.error(raw, "answers", _l("'answers' must be a list of texts"))
            answers = []
        return {"answers": [str(a) for a in answers],
                "ignore_diacritics": ctx.boolean(raw, "ignore_diacritics", False)}

    def grade(self, question: Question, answer: Any) -> Grade:
        strip = question.data["ignore_diacritics"]
        given = normalise_text(str(answer or ""), strip)
        accepted = {normalise_text(a, strip) for a in question.data["answers"]}
        return Grade.of(1.0 if given and given in accepted else 0.0)

    def public_view(self, question, language):
        return {}

    def field(self, question, view):
        return TextAnswerField()

    def key_text(self, question, language):
        return question.data["answers"][0]


@hookimpl
def register_question_types() -> list[type[QuestionType]]:
    return [SingleChoice, MultipleChoice, TrueFalse, ShortText, Ordering, Matching, Numeric]
