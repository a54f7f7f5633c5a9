"""A safe YAML loader that remembers on which line every mapping, entry and list item stood."""
from __future__ import annotations

import re
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l


class LineDict(dict):
    """A dict from YAML that knows its own line and the line of each key."""

    line: int | None = None
    lines: dict[Any, int]


class LineList(list):
    """A list from YAML that knows its own line and the line of each item (by index)."""

    line: int | None = None
    lines: dict[int, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1 + loader.line_offset
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "unhashable key", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1 + loader.line_offset
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1 + loader.line_offset
    result.lines = {
        i: child.start_mark.line + 1 + loader.line_offset for i, child in enumerate(node.value)
    }
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlSyntaxError(ValueError):
    """`str()` is PyYAML's English; `problem` says the same to an author in their language."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line
        self.problem = explain(message)


# PyYAML's messages (yaml/scanner.py, parser.py) and our constructor's, by how they begin,
# in the words of someone who edits a file by hand.
_EXPLAINED = (
    ("mapping values are not allowed here",
     _l("a colon where no field can start: check the indentation, or put text that holds "
        "': ' in quotes")),
    ("could not find expected ':'", _l("a line without ':' where a field was expected")),
    ("found character '\\t'", _l("a tab character: indent with spaces")),
    ("found character", _l("a character that cannot start a value here: put the text in quotes")),
    ("did not find expected key", _l("a line indented differently from the fields around it")),
    ("did not find expected '-' indicator",
     _l("a list item that does not start with '-' at the list's indentation")),
    ("did not find expected node content", _l("a value is missing or out of place")),
    ("found unexpected end of stream",
     _l("the text ends inside quotes or brackets that were never closed")),
    ("found undefined alias", _l("an alias (*name) without its anchor (&name)")),
    ("unhashable key", _l("a list or mapping used as a field name")),
    ("expected", _l("the structure breaks here: check the indentation and brackets")),
)


def explain(message: str) -> Any:
    """The translated (lazy) explanation of a YAML problem; unknown ones keep PyYAML's words."""
    if match := re.match(r"duplicate key (.*)", message):
        return _l("the field %(key)s appears twice", key=match.group(1))
    if match := re.match(r"nested more than (\d+) levels deep", message):
        return _l("nested more than %(levels)d levels deep", levels=int(match.group(1)))
    for start, explanation in _EXPLAINED:
        if message.startswith(start):
            return explanation
    return _l("not valid YAML (%(detail)s)", detail=message)


# Course files and pledge templates nest a few levels; thousands of levels are an attack on
# the (recursive) composer, which would otherwise exhaust the stack.
MAX_NESTING = 50
_OPENING = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
            yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_CLOSING = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _check_nesting(text: str, line_offset: int) -> None:
    """Refuse text nested deeper than MAX_NESTING, scanning tokens without recursion."""
    depth = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, _OPENING):
                depth += 1
                if depth > MAX_NESTING:
                    raise YamlSyntaxError(
                        f"nested more than {MAX_NESTING} levels deep",
                        token.start_mark.line + 1 + line_offset)
            elif isinstance(token, _CLOSING):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(f"{exc.problem or exc}",
                              mark.line + 1 + line_offset if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None) from None


def load_yaml(text: str, line_offset: int = 0) -> Any:
    """Parse YAML safely; mappings become LineDict, lists LineList.

    `line_offset` shifts reported lines, for YAML embedded in another file (front matter).
    Raises YamlSyntaxError with the line of the first syntax problem.
    """
    _check_nesting(text, line_offset)
    loader = _LineLoader(text)
    loader.line_offset = line_offset
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        raise YamlSyntaxError(f"{exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None) from None
    finally:
        loader.dispose()
