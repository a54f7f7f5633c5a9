"""`flask elearn lessons import FILE.docx --course COURSE_DIR`: lessons from a Word document."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from .content.course_lessons import LessonImportRefused, add_lessons
from .content.word_model import WordConversion, WordFileError


def lessons_group() -> click.Group:
    @click.group("lessons")
    def lessons() -> None:
        """Bring lessons into a course folder from a Word document."""

    @lessons.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--course", "course_dir", required=True,
                  type=click.Path(file_okay=False, path_type=Path),
                  help="The course folder (made by `flask elearn courses new`).")
    @click.option("--replace", is_flag=True, help="Overwrite lesson files that already exist.")
    @click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
    @with_appcontext  # for the site's language; the database is not touched
    def import_command(file: Path, course_dir: Path, replace: bool, dry_run: bool) -> None:
        """Split FILE.docx into lessons at each Heading 1 and add them to COURSE_DIR."""
        if file.suffix.lower() != ".docx":
            _fail(_("%(file)s: only Word documents (.docx) can be imported", file=str(file)))
        from .content.word import convert_docx  # python-docx: only where a document is read

        try:
            conversion = convert_docx(file.read_bytes())
        except OSError as exc:
            _fail(_("cannot read %(file)s: %(error)s", file=str(file),
                    error=exc.strerror or str(exc)))
        except WordFileError as exc:
            _fail(_("%(file)s: %(reason)s", file=str(file), reason=str(exc)))
        try:
            plan = add_lessons(course_dir, conversion.lessons, replace=replace, dry_run=dry_run)
        except LessonImportRefused as exc:
            _fail(str(exc), 1)
        except OSError as exc:
            _fail(_("cannot write in %(folder)s: %(error)s", folder=str(course_dir),
                    error=exc.strerror or str(exc)), 1)
        _report(file, conversion)
        if dry_run:
            click.echo(_("dry run: nothing was written"))
        if dry_run:
            click.echo(_("%(n)d lesson(s) would be written to %(folder)s/lessons; %(listed)d "
                         "would be added to course.yaml", n=len(conversion.lessons),
                         folder=str(course_dir), listed=len(plan.listed)))
        else:
            click.echo(_("%(n)d lesson(s) written to %(folder)s/lessons; %(listed)d added to "
                         "course.yaml", n=len(conversion.lessons), folder=str(course_dir),
                         listed=len(plan.listed)))
        if plan.replaced:
            click.echo(_("replaced: %(names)s", names=", ".join(plan.replaced)))
        click.echo(_("next: flask elearn courses check %(folder)s", folder=str(course_dir)))

    return lessons


def _report(file: Path, conversion: WordConversion) -> None:
    for lesson in conversion.lessons:
        click.echo(_("paragraph %(n)d: lessons/%(name)s “%(title)s”", n=lesson.paragraph,
                     name=lesson.file_name, title=lesson.title))
    for item in conversion.left_out:
        click.echo(_("%(file)s: paragraph %(n)d: not carried: %(what)s", file=str(file),
                     n=item.paragraph, what=item.what), err=True)


def _fail(message: str, code: int = 2) -> None:
    click.echo(" ".join(message.split()), err=True)
    sys.exit(code)
