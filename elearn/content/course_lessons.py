"""Add converted lessons to an existing course folder: the files under lessons/, and their
names at the end of course.yaml's `lessons:` list.

course.yaml is edited as text, at the place the YAML parser reports for the list's last entry,
so the authors' comments (the scaffold comments every field) and layout stay as they were.
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l

from .banks.model import write_atomically
from .loader import COURSE_FILE
from .word_model import WordLesson


class LessonImportRefused(Exception):
    """Nothing was written; str() is the translated one-line reason."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class CourseLessonsPlan:
    written: list[str] = field(default_factory=list)     # new files
    replaced: list[str] = field(default_factory=list)    # existing files overwritten (--replace)
    listed: list[str] = field(default_factory=list)      # names added to course.yaml


def add_lessons(course_dir: Path, lessons: list[WordLesson], *, replace: bool = False,
                dry_run: bool = False) -> CourseLessonsPlan:
    """Write `lessons` into `course_dir` (or only say what would happen, with dry_run).

    Refuses, writing nothing, when the folder is not a course or a lesson file already exists
    and `replace` is not given: an author's edited lesson is never lost by a second import."""
    course_file = course_dir / COURSE_FILE
    if not course_file.is_file():
        raise LessonImportRefused(_l(
            "%(folder)s is not a course folder (no course.yaml): create one with flask elearn "
            "courses new SLUG", folder=str(course_dir)))
    with _locked(course_dir):
        return _add(course_dir, course_file, lessons, replace, dry_run)


@contextmanager
def _locked(course_dir: Path) -> Iterator[None]:
    """One import at a time per course folder: two runs at once (two terminals, a double
    click) must not both append the same names to course.yaml. The lock is on the folder
    itself, because course.yaml is replaced (a new file) on every write."""
    handle = os.open(course_dir, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _add(course_dir: Path, course_file: Path, lessons: list[WordLesson], replace: bool,
         dry_run: bool) -> CourseLessonsPlan:
    text = course_file.read_text(encoding="utf-8")
    try:
        listed_now = yaml.safe_load(text).get("lessons") or []
    except (yaml.YAMLError, AttributeError) as exc:
        raise LessonImportRefused(_l("%(file)s cannot be read as YAML: fix it first (flask "
                                     "elearn courses check shows where)",
                                     file=str(course_file))) from exc
    plan = CourseLessonsPlan()
    folder = course_dir / "lessons"
    existing = [lesson.file_name for lesson in lessons if (folder / lesson.file_name).exists()]
    if existing and not replace:
        raise LessonImportRefused(_l(
            "lessons/%(names)s already exist(s); nothing was written (use --replace to "
            "overwrite them)", names=", lessons/".join(existing)))
    plan.replaced = existing
    plan.written = [lesson.file_name for lesson in lessons if lesson.file_name not in existing]
    plan.listed = [lesson.file_name for lesson in lessons
                   if lesson.file_name not in listed_now]
    new_text = _append_to_lessons(text, plan.listed, course_file) if plan.listed else text
    if dry_run:
        return plan
    folder.mkdir(exist_ok=True)
    for lesson in lessons:
        write_atomically(folder / lesson.file_name,
                         lambda path, body=lesson.text: path.write_text(body, encoding="utf-8"))
    if new_text != text:
        write_atomically(course_file, lambda path: path.write_text(new_text, encoding="utf-8"))
    return plan


def _append_to_lessons(text: str, names: list[str], course_file: Path) -> str:
    root = yaml.compose(text)
    value = None
    if isinstance(root, yaml.MappingNode):
        for key, node in root.value:
            if key.value == "lessons":
                value = node
    if not isinstance(value, yaml.SequenceNode) or not value.value:
        raise LessonImportRefused(_l(
            "%(file)s has no list of lessons to add to: write `lessons:` with at least one "
            "entry (see docs/course-format.md)", file=str(course_file)))
    last = value.value[-1]
    if value.flow_style:  # lessons: [a.md, b.md]
        at = last.end_mark.index
        return text[:at] + "".join(f", {name}" for name in names) + text[at:]
    first = value.value[0]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    prefix = text[line_start:first.start_mark.index]          # "  - "
    at = last.end_mark.index
    return text[:at] + "".join(f"\n{prefix}{name}" for name in names) + text[at:]
