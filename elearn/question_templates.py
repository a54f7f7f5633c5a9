"""Each question type draws its own answer field: the quiz pages include the type's template.

A type's `template` is either a name the app's Jinja loader already finds (the core's
`templates/question_types/`, or a plugin blueprint's template folder) or a `Path` to a file
shipped in a plugin's package. Files are served through a PrefixLoader under a prefix of their
own per type, so two plugins may both ship a `question.html` without clashing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

from .interfaces import QuestionType

DEFAULT = QuestionType.template


def _prefix(qtype: QuestionType) -> str:
    return f"question-type-{qtype.name}"


def template_name(qtype: QuestionType | None) -> str:
    """The Jinja name of the template that draws `qtype`'s answer field."""
    template = getattr(qtype, "template", None) or DEFAULT
    if isinstance(template, Path):
        return f"{_prefix(qtype)}/{template.name}"
    return str(template)


def init_app(app: Flask, question_types: Mapping[str, QuestionType]) -> None:
    """Let the app find the templates question types ship as files, and give the pages
    `question_template(qtype)`. A missing file stops start-up, naming the type."""
    folders: dict[str, FileSystemLoader] = {}
    for qtype in question_types.values():
        template = qtype.template
        if isinstance(template, Path):
            if not template.is_absolute() or not template.is_file():
                raise RuntimeError(
                    f"question type '{qtype.name}' ({type(qtype).__module__}): template "
                    f"{template} is not a file (give an absolute Path, e.g. "
                    "Path(__file__).parent / 'templates' / 'question.html')")
            folders[_prefix(qtype)] = FileSystemLoader(template.parent)
    if folders:
        app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, PrefixLoader(folders)])
    app.jinja_env.globals["question_template"] = template_name
