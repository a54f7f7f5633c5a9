"""Content problems, always tied to a file and a line so authors can fix them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ContentError:
    """One problem in a course folder; `message` may be a lazy translation string."""

    path: Path
    line: int | None
    message: Any

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class CourseLoadError(Exception):
    """Raised by the loader when a course folder has one or more problems."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Problems:
    """Collects every problem of a load, so `courses check` can list them all at once."""

    errors: list[ContentError] = field(default_factory=list)

    def add(self, path: Path, line: int | None, message: Any) -> None:
        self.errors.append(ContentError(path, line, message))

    def at(self, node: Any, key: Any, message: Any, path: Path) -> None:
        """Record a problem located at `node[key]` (or at `node` itself when key is None)."""
        self.add(path, line_of(node, key), message)

    def __bool__(self) -> bool:
        return bool(self.errors)


def line_of(node: Any, key: Any = None) -> int | None:
    """Source line of a YAML node or one of its entries (1-based), if known."""
    lines = getattr(node, "lines", None)
    if key is not None and lines and key in lines:
        return lines[key]
    return getattr(node, "line", None)
