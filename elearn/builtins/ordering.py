"""An ordering question: put steps in the right sequence. Graded by adjacent pairs kept.

Moved into the core from the example plugin (the example now ships `fill_blanks`)."""
from __future__ import annotations

import hashlib
from fractions import Fraction
from math import comb, factorial
from typing import Any

from flask_babel import lazy_gettext as _l

from ..api import (
    Arrangement, Grade, ParseContext, Question, QuestionType, order_from_positions,
    positions_field, tokenised,
)


class Ordering(QuestionType):
    name = "ordering"
    label = _l("Ordering")
    fields = frozenset({"items", "partial_credit"})
    template = "question_types/ordering.html"

    def parse(self, raw, ctx: ParseContext) -> dict[str, Any]:
        items = ctx.items(raw, "items", minimum=2)
        if len(items) == 2:
            ctx.error(raw, "items", _l(
                "an ordering question needs at least 3 items: with 2, the only arrangements "
                "are the right order and its reverse, so the starting order gives the answer "
                "away"))
        texts = []
        for index, item in enumerate(items):
            node = {"text": item}
            text = ctx.text(node, "text")
            if text is None:
                ctx.error(items, index, _l("each item must be text or a {vi, en} mapping"))
                continue
            texts.append(text)
        if len({t.get() for t in texts}) != len(texts):
            ctx.error(raw, "items", _l("the items must all be different"))
        # Learners refer to items by an id that does not reveal the authored (correct) order.
        return {"items": [{"id": item_id(text.get()), "text": text} for text in texts],
                "partial_credit": ctx.boolean(raw, "partial_credit", True)}

    def grade(self, question: Question, answer: Any) -> Grade:
        """`answer` is the list of item ids in the order the learner put them."""
        positions = {item["id"]: index for index, item in enumerate(question.data["items"])}
        count = len(positions)
        if not isinstance(answer, (list, tuple)) or sorted(map(str, answer)) != sorted(positions):
            return Grade.of(0.0)
        order = [positions[str(item)] for item in answer]
        if order == list(range(count)):
            return Grade.of(1.0)
        if not question.data["partial_credit"]:
            return Grade.of(0.0)
        # Credit for each correctly ordered neighbour pair: one misplaced step costs little.
        kept = sum(1 for a, b in zip(order, order[1:]) if b == a + 1)
        return Grade.of(kept / (count - 1))

    def public_view(self, question: Question, language: str | None) -> dict[str, Any]:
        """The items in the authored (= correct) order: never show this list as it is."""
        return {"items": [{"id": item["id"], "text": item["text"].get(language)}
                          for item in question.data["items"]]}

    def present(self, question, language, arrangement: Arrangement) -> dict[str, Any]:
        # Always shuffled, whatever the quiz's shuffle setting: the authored order is the key.
        items = self.public_view(question, language)["items"]
        shown = tokenised(items, arrangement, force=True)
        key = [arrangement.token(i["id"]) for i in items]
        if [i["id"] for i in shown] in (key, key[::-1]):
            # Never start in the right order nor its exact reverse (a learner would only have
            # to flip it). With 3 or more items, moving the first item last is neither.
            shown = shown[1:] + shown[:1]
        return {"items": shown}

    def field(self, question, view):
        """One "position" select per item, so it works by keyboard and without JavaScript."""
        return positions_field(view["items"])

    def parse_answer(self, question, data, arrangement: Arrangement):
        """{token: "2", …} → item ids by position (None where a position is still empty)."""
        ids = [item["id"] for item in question.data["items"]]
        return order_from_positions(data, lambda token: arrangement.untoken(token, ids), len(ids))

    def field_data(self, question, answer, arrangement: Arrangement):
        return {arrangement.token(item): str(index + 1)
                for index, item in enumerate(answer or ()) if item}

    def key_text(self, question, language):
        return " → ".join(item["text"].get(language) for item in question.data["items"])

    def guess(self, question, strategy):
        """Random guessing: every order equally likely. The share earned is the share of
        neighbour pairs kept, i.e. the number of "successions" (item i right before i+1)."""
        if strategy != "random":
            return None
        count = len(question.data["items"])
        orders = factorial(count)
        if not question.data["partial_credit"]:
            return {Fraction(1): Fraction(1, orders), Fraction(0): 1 - Fraction(1, orders)}
        return {Fraction(kept, count - 1):
                Fraction(comb(count - 1, kept) * without_successions(count - kept), orders)
                for kept in range(count)}


def without_successions(count: int) -> int:
    """Orders of `count` items in which no item comes right before its successor (OEIS
    A000255(count - 1)); the orders keeping exactly k pairs number C(n-1, k) times this for
    n - k items, since each kept pair glues two items into one."""
    previous, current = 1, 1  # A000255(0), A000255(1)
    if count <= 1:
        return 1
    for n in range(2, count):
        previous, current = current, n * current + (n - 1) * previous
    return current


def item_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
