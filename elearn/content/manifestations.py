"""The 27 manifestations of degradation (Resolution 04-NQ/TW) as data, loaded once."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .model import LocalText

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "manifestations.yaml"


@dataclass(frozen=True)
class Manifestation:
    id: str
    text: LocalText


@dataclass(frozen=True)
class ManifestationGroup:
    key: str
    title: LocalText
    items: tuple[Manifestation, ...]


@dataclass(frozen=True)
class Manifestations:
    source: LocalText
    groups: tuple[ManifestationGroup, ...]

    def by_id(self, manifestation_id: str) -> Manifestation | None:
        return next((item for group in self.groups for item in group.items
                     if item.id == manifestation_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(item.id for group in self.groups for item in group.items)


def _text(raw: dict) -> LocalText:
    return LocalText.of(raw["vi"], en=raw["en"])


@lru_cache(maxsize=1)
def manifestations() -> Manifestations:
    raw = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    groups = tuple(
        ManifestationGroup(group["key"], _text(group["title"]),
                           tuple(Manifestation(item["id"], _text(item)) for item in group["items"]))
        for group in raw["groups"])
    return Manifestations(_text(raw["source"]), groups)
