"""Text from other tools' markup: HTML question text to plain text, safely."""
from __future__ import annotations

import html
import re

import nh3

_BREAKS = re.compile(r"<br\s*/?>|</p\s*>|</div\s*>|</li\s*>|</h[1-6]\s*>|</tr\s*>",
                     re.IGNORECASE)


def html_to_text(markup: str) -> str:
    """Plain text of HTML: tags dropped by nh3 (script and style with their content),
    entities unescaped, paragraphs kept as blank-line separated lines."""
    marked = _BREAKS.sub(lambda m: m.group(0) + "\n", markup)
    text = html.unescape(nh3.clean(marked, tags=set(), attributes={}))
    lines = [" ".join(line.split()) for line in text.replace("\xa0", " ").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def tidy(text: str) -> str:
    """Trimmed text with runs of spaces inside lines collapsed (as authors meant them)."""
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
