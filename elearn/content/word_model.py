"""What a Word document becomes (content/word.py makes it): lessons, what was left out, and
the one error. Kept apart so the pages and commands that use them do not load python-docx
(~8 MB per web worker) until a document is actually converted."""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml


class WordFileError(Exception):
    """The file cannot be converted at all; str() is the translated one-line reason."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class LeftOut:
    """Something of the document the lessons do not carry, and where it was."""
    paragraph: int
    what: str


@dataclass(frozen=True)
class WordLesson:
    file_name: str       # lessons/<file_name>
    title: str
    paragraph: int       # where its Heading 1 is
    body: str            # Markdown, without front matter

    @property
    def text(self) -> str:
        """The lesson file as the course loader reads it: front matter, then Markdown."""
        front = yaml.safe_dump({"title": self.title}, allow_unicode=True, width=10_000,
                               sort_keys=False)
        return f"---\n{front}---\n{self.body}"


@dataclass
class WordConversion:
    lessons: list[WordLesson] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
