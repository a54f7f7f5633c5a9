"""Typed readers for author YAML: problems are reported with file and line instead of raised,
so one `flask elearn courses check` run lists every problem of a course folder."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from .errors import Problems, line_of
from .model import LANGUAGES, LocalText


class ParseContext:
    """What a QuestionType gets while parsing author YAML: typed readers that report problems
    with file and line instead of raising, so one check run lists every problem."""

    def __init__(self, path: Path, problems: Problems):
        self.path = path
        self.problems = problems

    def error(self, node: Any, key: Any, message: Any) -> None:
        self.problems.at(node, key, message, self.path)

    def require(self, node: Mapping, key: str) -> Any:
        if key not in node:
            self.error(node, None, _l("missing required field '%(field)s'", field=key))
            return None
        return node[key]

    def text(self, node: Mapping, key: str, required: bool = True) -> LocalText | None:
        """Read localised text: a string (Vietnamese) or {vi: …, en: …}."""
        if key not in node or node[key] is None:
            if required:
                self.error(node, None, _l("missing required field '%(field)s'", field=key))
            return None
        value = node[key]
        if isinstance(value, str):
            if not value.strip():
                self.error(node, key, _l("'%(field)s' is empty", field=key))
                return None
            return LocalText.of(value.strip())
        if isinstance(value, Mapping):
            unknown = [lang for lang in value if lang not in LANGUAGES]
            for lang in unknown:
                self.error(value, lang, _l("unknown language '%(lang)s'", lang=lang))
            if not isinstance(value.get("vi"), str) or not value["vi"].strip():
                self.error(node, key, _l("'%(field)s' needs Vietnamese text (vi)", field=key))
                return None
            texts = {lang: str(v).strip() for lang, v in value.items()
                     if lang in LANGUAGES and isinstance(v, str) and v.strip()}
            return LocalText.of(texts.pop("vi"), **texts)
        self.error(node, key, _l("'%(field)s' must be text or a {vi, en} mapping", field=key))
        return None

    def boolean(self, node: Mapping, key: str, default: bool) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.error(node, key, _l("'%(field)s' must be true or false", field=key))
            return default
        return value

    def items(self, node: Mapping, key: str, minimum: int = 1) -> list:
        value = node.get(key)
        if not isinstance(value, list) or len(value) < minimum:
            self.error(node, key if key in node else None,
                       _l("'%(field)s' must be a list of at least %(n)d items", field=key, n=minimum))
            return []
        return value

    def line(self, node: Any, key: Any = None) -> int | None:
        return line_of(node, key)
