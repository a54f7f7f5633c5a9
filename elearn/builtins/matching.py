"""A matching question: for each item on the left, pick its partner from one list on the right.

Partial credit (the default): each left item matched right earns an equal share; a wrong match
costs nothing, because every select holds at most one choice, so there is no "tick every box"
to punish. Without partial credit only a fully right set of matches counts.
"""
from __future__ import annotations

import hashlib
from fractions import Fraction
from math import comb
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from ..api import (
    Arrangement, Grade, LocalText, ParseContext, Question, QuestionType, matches_field, tokenised,
)

PAIR_FIELDS = frozenset({"left", "right"})


def item_id(side: str, text: str) -> str:
    """An id for an item that says nothing about the pairs (the page shows only tokens)."""
    return hashlib.sha256(f"{side}\x1f{text}".encode("utf-8")).hexdigest()[:10]


class Matching(QuestionType):
    name = "matching"
    label = _l("Matching")
    fields = frozenset({"pairs", "distractors", "partial_credit"})
    template = "question_types/matching.html"

    def parse(self, raw: Mapping[str, Any], ctx: ParseContext) -> dict[str, Any]:
        pairs: list[dict[str, Any]] = []
        rights: dict[str, LocalText] = {}  # one choice per distinct text, in authored order
        lefts_seen: set[str] = set()
        items = ctx.items(raw, "pairs", minimum=2)
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                ctx.error(items, index, _l("a pair must be a mapping with left and right"))
                continue
            for key in item:
                if key not in PAIR_FIELDS:
                    ctx.error(item, key, _l("unknown field '%(field)s'", field=key))
            left, right = ctx.text(item, "left"), ctx.text(item, "right")
            if left is None or right is None:
                continue
            if left.get() in lefts_seen:
                ctx.error(item, "left", _l("the left items must all be different"))
                continue
            lefts_seen.add(left.get())
            right_id = item_id("right", right.get())
            rights.setdefault(right_id, right)
            pairs.append({"id": item_id("left", left.get()), "left": left, "right": right_id})
        distractors = raw.get("distractors", [])
        if not isinstance(distractors, list):
            ctx.error(raw, "distractors", _l("'distractors' must be a list of texts"))
            distractors = []
        for index, value in enumerate(distractors):
            text = ctx.text({"text": value}, "text", required=False)
            if text is None:
                ctx.error(distractors, index, _l("each distractor must be text or a {vi, en} "
                                                 "mapping"))
                continue
            if item_id("right", text.get()) in rights:
                ctx.error(distractors, index, _l(
                    "a distractor must differ from every right-hand item"))
                continue
            rights[item_id("right", text.get())] = text
        if pairs and len(rights) < 2:
            ctx.error(raw, "pairs", _l(
                "a matching question needs at least 2 different right-hand items"))
        return {"pairs": pairs,
                "rights": [{"id": rid, "text": text} for rid, text in rights.items()],
                "partial_credit": ctx.boolean(raw, "partial_credit", True)}

    def grade(self, question: Question, answer: Any) -> Grade:
        """`answer` maps left item ids to the right item ids the learner picked."""
        pairs = question.data["pairs"]
        if not isinstance(answer, Mapping):
            return Grade.of(0.0)
        right = sum(1 for pair in pairs if answer.get(pair["id"]) == pair["right"])
        if not question.data["partial_credit"]:
            return Grade.of(1.0 if right == len(pairs) else 0.0)
        return Grade.of(right / len(pairs))

    def public_view(self, question: Question, language: str | None) -> dict[str, Any]:
        # Right items sorted by id, not in pair order: the authored order is the key.
        return {"lefts": [{"id": p["id"], "text": p["left"].get(language)}
                          for p in question.data["pairs"]],
                "rights": sorted(({"id": r["id"], "text": r["text"].get(language)}
                                  for r in question.data["rights"]), key=lambda r: r["id"])}

    def present(self, question, language, arrangement: Arrangement) -> dict[str, Any]:
        view = self.public_view(question, language)
        return {"lefts": tokenised(view["lefts"], arrangement),
                # Always shuffled, whatever the quiz's setting: one list for every select.
                "rights": tokenised(view["rights"], arrangement, force=True)}

    def field(self, question, view):
        return matches_field(view["lefts"], view["rights"])

    def parse_answer(self, question, data, arrangement: Arrangement):
        """{left token: right token} → {left id: right id}; None when nothing is matched."""
        lefts = [pair["id"] for pair in question.data["pairs"]]
        rights = [item["id"] for item in question.data["rights"]]
        matches = {}
        for left_token, right_token in (data or {}).items():
            left = arrangement.untoken(left_token, lefts)
            right = arrangement.untoken(right_token, rights) if right_token else None
            if left is not None and right is not None:
                matches[left] = right
        return matches or None

    def field_data(self, question, answer, arrangement: Arrangement):
        return {arrangement.token(left): arrangement.token(right)
                for left, right in (answer or {}).items()}

    def key_text(self, question, language):
        rights = {item["id"]: item["text"] for item in question.data["rights"]}
        return "; ".join(f"{pair['left'].get(language)} → {rights[pair['right']].get(language)}"
                         for pair in question.data["pairs"])

    def guess(self, question, strategy):
        """Random guessing: each select picks one of the m right-hand items, independently
        and uniformly, so the number of right matches among n is binomial(n, 1/m)."""
        if strategy != "random":
            return None
        n, m = len(question.data["pairs"]), len(question.data["rights"])
        p = Fraction(1, m)
        if not question.data["partial_credit"]:
            return {Fraction(1): p ** n, Fraction(0): 1 - p ** n}
        return {Fraction(k, n): comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(n + 1)}

    def lint(self, question):
        if len(question.data["rights"]) < 3:
            return [_l("fewer than 3 right-hand items: random matching passes too often; "
                       "add pairs or distractors")]
        return []
