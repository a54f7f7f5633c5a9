"""What a course that declares English (`languages: [vi, en]`) still shows in Vietnamese only.

The loader accepts a partly translated course on purpose (an English reader then gets a
"Vietnamese only" notice), so these are warnings of `courses check`, not load errors: a
course that says it is in English should not leave its English readers a quiz whose prompts
or options, or lessons whose bodies, they cannot read. Each warning names a file and line.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from .errors import ContentError, line_of
from .model import Course
from .yamlsource import LineList, YamlSyntaxError, load_yaml

COURSE_FILE = "course.yaml"
# Question fields that hold text a learner reads (typed `answers` are what a learner types,
# in Vietnamese, so they are not listed).
_TEXT_FIELDS = ("prompt", "feedback", "unit")
_TEXT_LISTS = ("items", "distractors")


def has_english(value: Any) -> bool:
    """Whether authored localised text carries non-empty English."""
    return isinstance(value, dict) and isinstance(value.get("en"), str) \
        and bool(value["en"].strip())


def english_gaps(course: Course) -> list[ContentError]:
    """Every place where a course listing `en` in `languages` has no English; empty for a
    Vietnamese-only course."""
    if "en" not in course.languages or course.path is None:
        return []
    folder = Path(course.path)
    raw = _read(folder / COURSE_FILE)
    gaps: list[ContentError] = []
    course_file = folder / COURSE_FILE
    for key in ("title", "description", "issuer"):
        if raw is not None and key in raw and not has_english(raw[key]):
            gaps.append(ContentError(course_file, line_of(raw, key),
                                     _l("'%(field)s' has no English (en)", field=key)))
    entries = raw.get("lessons") if raw is not None else None
    lines = entries.lines if isinstance(entries, LineList) else {}
    names = list(entries) if isinstance(entries, list) else []
    for lesson in course.lessons:
        name = f"{lesson.slug}.md"
        line = lines.get(names.index(name)) if name in names else None
        if "en" not in lesson.html:
            gaps.append(ContentError(course_file, line, _l(
                "lesson %(name)s has no English version (lessons/%(slug)s.en.md): English "
                "readers get the Vietnamese text", name=name, slug=lesson.slug)))
        for field, text in (("title", lesson.title), ("summary", lesson.summary)):
            if text is not None and "en" not in text.values:
                lesson_file = folder / "lessons" / name
                gaps.append(ContentError(lesson_file, line_of(_front_matter(lesson_file), field),
                                         _l("the lesson's '%(field)s' has no English (en)",
                                            field=field)))
    if course.quiz is not None:
        gaps.extend(_bank_gaps(folder / course.quiz.bank))
    return gaps


def _read(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        return None  # the loader reported it already; a course that loaded never gets here


def _front_matter(path: Path) -> Any:
    """The lesson's front matter with its lines in the file (it starts on line 2)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError):
        return None
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if not lines or lines[0].strip() != "---" or end is None:
        return None
    try:
        return load_yaml("".join(lines[1:end]), line_offset=1)
    except YamlSyntaxError:
        return None


def _bank_gaps(path: Path) -> list[ContentError]:
    data = _read(path)
    questions = data.get("questions") if isinstance(data, dict) else None
    gaps: list[ContentError] = []
    for item in questions if isinstance(questions, list) else []:
        if not isinstance(item, dict):
            continue
        qid = item.get("id")

        def gap(node: Any, key: Any, what: Any) -> None:
            gaps.append(ContentError(path, line_of(node, key), _l(
                "question %(id)s: %(what)s has no English (en)", id=qid, what=what)))

        for key in _TEXT_FIELDS:
            if key in item and not has_english(item[key]):
                gap(item, key, f"'{key}'")
        for index, option in enumerate(_list(item, "options")):
            if isinstance(option, dict) and not has_english(option.get("text")):
                gap(item["options"], index, _l("option %(option)s", option=option.get("id")))
        for key in _TEXT_LISTS:
            for index, text in enumerate(_list(item, key)):
                if not has_english(text):
                    gap(item[key], index, f"'{key}' {index + 1}")
        for index, pair in enumerate(_list(item, "pairs")):
            for side in ("left", "right"):
                if isinstance(pair, dict) and not has_english(pair.get(side)):
                    gap(item["pairs"], index, f"'pairs' {index + 1} {side}")
    return gaps


def _list(item: dict, key: str) -> list:
    value = item.get(key)
    return value if isinstance(value, list) else []
