"""Course Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) sanitises.

Raw HTML in Markdown is allowed as an author expects (`<sup>`, `<br>`, a `<table>` pasted
from Word), and the output is cleaned with an allow-list: tags outside it are stripped (their
text kept; scripts and styles go with their content), so scripts, iframes, event handlers and
javascript: links cannot reach a page.
"""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "em", "strong",
    "code", "pre", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "s",
    "del", "sup", "sub", "b", "i", "u",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
_URL_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_md.enable(["table", "strikethrough"])


def _only_local_images(tag: str, attribute: str, value: str) -> str | None:
    # Images must ship in the course's assets/: nothing is fetched from elsewhere at run time.
    if tag == "img" and attribute == "src" and _SCHEME.match(value):
        return None
    return value


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=_only_local_images,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render author Markdown to sanitised HTML."""
    return sanitise_html(_md.render(text))


def image_sources(text: str) -> list[tuple[int, str]]:
    """(line, src) of every Markdown image, for checking that local assets exist."""
    found: list[tuple[int, str]] = []
    for token in _md.parse(text):
        for child in token.children or ():
            if child.type == "image":
                line = token.map[0] + 1 if token.map else 0
                found.append((line, str(child.attrGet("src") or "")))
    return found


_WORD = re.compile(r"\w+", re.UNICODE)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))
