"""How a quiz shows one question in one attempt: a seeded shuffle and per-attempt tokens.

Owned by the quiz (elearn.services.quiz builds one per question of an attempt); question types
receive it in `present`, `parse_answer` and `field_data`.
"""
from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Arrangement:
    """How one question looks in one attempt: a seeded shuffle and opaque per-attempt tokens.

    Everything derives from the attempt's stored seed, so a reload shows the same attempt.
    Tokens stand in for authored ids (option `a` is often the right one), so the page never
    shows the ids the bank uses; only the server can map them back (`untoken`).
    """

    seed: int
    question_id: str
    shuffle: bool = True

    def rng(self) -> random.Random:
        return random.Random(f"{self.seed}:{self.question_id}")

    def order(self, items: Iterable[T], *, force: bool = False) -> list[T]:
        """The items in this attempt's order: shuffled when the quiz shuffles (or `force`)."""
        items = list(items)
        if self.shuffle or force:
            self.rng().shuffle(items)
        return items

    def token(self, value: str) -> str:
        key = str(self.seed).encode()
        message = f"{self.question_id}\x1f{value}".encode()
        return "t" + hmac.new(key, message, hashlib.sha256).hexdigest()[:11]

    def untoken(self, token: Any, values: Iterable[str]) -> str | None:
        """The authored value behind a token, or None when the token is not one of them."""
        return next((v for v in values if hmac.compare_digest(self.token(v), str(token))), None)


def tokenised(options: Sequence[Mapping[str, Any]], arrangement: Arrangement, *,
              force: bool = False) -> list[dict[str, Any]]:
    """Public choices (each with an `id`) in attempt order, with ids replaced by tokens."""
    return [{**option, "id": arrangement.token(option["id"])}
            for option in arrangement.order(options, force=force)]
