"""An ordering question: put steps in the right sequence. Graded by adjacent pairs kept."""
from __future__ import annotations

import hashlib

from typing import Any

from flask_babel import lazy_gettext as _l

from elearn.content.model import Question
from elearn.interfaces import Grade, ParseContext, QuestionType


class Ordering(QuestionType):
    name = "ordering"
    label = _l("Ordering")
    fields = frozenset({"items", "partial_credit"})

    def parse(self, raw, ctx: ParseContext) -> dict[str, Any]:
        items = ctx.items(raw, "items", minimum=2)
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
        return {"items": [{"id": item["id"], "text": item["text"].get(language)}
                          for item in question.data["items"]]}


def item_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
