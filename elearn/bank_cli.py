"""`flask elearn bank …`: question banks from and to GIFT, Aiken, Moodle XML and Excel."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from .content.banks import (EXPORT_FORMATS, IMPORT_FORMATS, BankFileError, counts_text,
                            export_bank, import_file, imported_bank_yaml, where_text,
                            write_atomically)
from .content.banks.model import LESSON_STEM
from .content.banks.xlsx import write_template
from .registry import current_registry

def _fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def bank_group() -> click.Group:
    @click.group("bank")
    def bank() -> None:
        """Import question banks from Moodle (GIFT, Aiken, XML) or Excel; export them."""

    @bank.command("import")
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS),
                  help="Default: from the extension (.gift/.txt, .xml, .xlsx).")
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="The bank YAML file to write.")
    @click.option("--skip-bad", is_flag=True,
                  help="Write the questions that import and report the others.")
    @click.option("--lesson", help="Lesson file stem for questions that name none.")
    @with_appcontext
    def import_command(file: Path, fmt: str | None, out: Path, skip_bad: bool,
                       lesson: str | None) -> None:
        """Convert FILE into an elearn question bank (checked by `courses check`)."""
        if lesson is not None and not LESSON_STEM.match(lesson):
            _fail(_("--lesson must be a lesson file name without .md, such as 01-tu-tuong"))
        try:
            result = import_file(file, fmt, lesson, set(current_registry().question_types))
        except BankFileError as exc:
            _fail(str(exc.args[0]))
        for refusal in result.refusals:
            click.echo(_("%(file)s: %(where)s: %(reason)s", file=str(file),
                         where=where_text(refusal.where), reason=refusal.reason), err=True)
        if result.refusals and not skip_bad:
            _fail(_("%(n)d question(s) could not be imported; nothing was written (fix them, "
                    "or use --skip-bad to write the others)", n=len(result.refusals)), 1)
        if not result.questions:
            _fail(_("%(file)s holds no question that can be imported; nothing was written",
                    file=str(file)), 1)
        text = imported_bank_yaml(result.questions, file.name)
        _write(out, lambda path: path.write_text(text, encoding="utf-8"))
        counts = counts_text(result.questions)
        click.echo(_("%(n)d question(s) written to %(out)s: %(counts)s",
                     n=len(result.questions), out=str(out), counts=counts))
        if result.refusals:
            click.echo(_("%(n)d question(s) skipped", n=len(result.refusals)))

    @bank.command("export")
    @click.argument("bank_file", metavar="BANK.yaml", type=click.Path(path_type=Path))
    @click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True)
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--skip-bad", is_flag=True,
                  help="Write the questions the format can hold and report the others.")
    @with_appcontext
    def export_command(bank_file: Path, fmt: str, out: Path, skip_bad: bool) -> None:
        """Write an elearn bank as GIFT (for Moodle) or XLSX (for Excel)."""
        try:
            result = export_bank(bank_file, fmt, out, skip_bad)
        except BankFileError as exc:
            _fail(str(exc.args[0]))
        except OSError as exc:
            _fail(_("cannot write %(file)s: %(error)s", file=str(out),
                    error=exc.strerror or str(exc)))
        for refusal in result.refusals:
            click.echo(_("question %(id)s: %(reason)s", id=refusal.where,
                         reason=refusal.reason), err=True)
        for warning in result.warnings:
            click.echo(_("questions %(ids)s: %(reason)s", ids=warning.where,
                         reason=warning.reason), err=True)
        if result.refusals and not skip_bad:
            _fail(_("%(n)d question(s) could not be exported; nothing was written (use "
                    "--skip-bad to write the others)", n=len(result.refusals)), 1)
        click.echo(_("%(n)d question(s) written to %(out)s", n=result.written, out=str(out)))

    @bank.command("template")
    @click.option("--out", default="mau-ngan-hang.xlsx", show_default=True,
                  type=click.Path(dir_okay=False, path_type=Path))
    @with_appcontext
    def template_command(out: Path) -> None:
        """Write the Excel template centres fill in (Câu hỏi | Lựa chọn A… | Đáp án …)."""
        _write(out, write_template)
        click.echo(_("template written to %(out)s", out=str(out)))

    return bank


def _write(out: Path, write: Callable[[Path], None]) -> None:
    try:
        write_atomically(out, write)
    except OSError as exc:
        _fail(_("cannot write %(file)s: %(error)s", file=str(out), error=exc.strerror or str(exc)))

