"""Parse served HTML the way a browser would, to assert on real elements and attributes."""
from __future__ import annotations

from html.parser import HTMLParser


class Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def tags(self) -> set[str]:
        return {tag for tag, _ in self.elements}

    def attributes(self) -> list[tuple[str, str, str]]:
        return [(tag, name, value) for tag, attrs in self.elements for name, value in attrs.items()]
