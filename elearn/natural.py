"""Natural order for names and codes people number: "CB1, CB2 … CB10" (not CB1, CB10, CB2),
"Chi bộ 9" before "Chi bộ 10", and Vietnamese letters beside their base letter (Đ after D,
not after Z as in Unicode)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Iterable, Mapping, Protocol, TypeVar

_DIGITS = re.compile(r"(\d+)")


def _fold(text: str) -> str:
    """Accents dropped and case folded; đ (a letter of its own, which Unicode does not
    decompose) sorts after every d and before e."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("đ", "d\x7f")


def _numbered(text: str) -> tuple:
    # re.split with a group alternates text and digits, so like compares with like.
    return tuple(int(part) if i % 2 else part for i, part in enumerate(_DIGITS.split(text)))


@lru_cache(maxsize=16384)
def _key(text: str) -> tuple:
    # Cached: a unit list sorts a few thousand names on every page view, and they repeat
    # (between views, and within a tree: "Chi bộ 1" in every commune).
    return (_numbered(_fold(text)), text)


def natural_key(text: str | None) -> tuple:
    """Sort key: numbers by value; accents and case only break ties."""
    return _key(text or "")


class UnitLike(Protocol):
    id: int
    path: str
    code: str
    name: str


U = TypeVar("U", bound=UnitLike)


def sibling_key(unit: Any) -> tuple:
    return (natural_key(unit.name), natural_key(unit.code))


def in_tree_order(units: Iterable[U], ancestors: Mapping[int, Any] | None = None) -> list[U]:
    """Units as a tree (each after its parent) with siblings in natural order. `ancestors`
    names the units on the paths that are not in the list themselves (for search results);
    an ancestor known by neither sorts by its id, as the materialised path did."""
    units = list(units)
    known: dict[int, Any] = dict(ancestors or {})
    known.update({unit.id: unit for unit in units})
    # Each unit's key once, not once per descendant.
    keys = {i: (sibling_key(unit), i) for i, unit in known.items()}

    def key(unit: U) -> tuple:
        return tuple(keys.get(i, ((), i)) for i in path_ids(unit.path))

    return sorted(units, key=key)


def path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]
