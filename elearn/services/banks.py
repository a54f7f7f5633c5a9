"""Question banks from and to the web page `/author/banks`: the same conversions as
`flask elearn bank …` (`elearn.content.banks`), on uploaded bytes, answering with bytes.

Nothing here touches the database: an import is a conversion the author downloads, and the
author then puts the bank in a course folder. Temporary files live only inside one call."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from collections.abc import Callable

import yaml
from flask_babel import gettext as _

from ..content.banks import (BankFileError, ExportResult, counts_text, export_bank,
                             export_text, import_data, imported_bank_yaml, type_counts,
                             where_text)
from ..content.banks.model import BankQuestion
from ..content.banks.xlsx import write_template
from ..registry import current_registry

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"gift": "text/plain; charset=utf-8", "xlsx": XLSX_TYPE}
EXTENSIONS = {"gift": ".gift", "xlsx": ".xlsx"}
# The preview shows this many questions: a phone should not have to render a whole
# 3,000-question bank to see that the import went right (the download holds them all).
PREVIEW_LIMIT = 200
# Characters that have no place in a file name shown in a YAML comment or a download header.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\"]+")


class BankUploadError(Exception):
    """An upload that cannot be converted at all; args[0] is the translated message."""


@dataclass(frozen=True)
class RefusedQuestion:
    where: str      # "dòng 12" / "line 12" / "hàng 5"
    reason: str


@dataclass
class ImportReport:
    """What the page shows: the same report as the CLI, and the bank when it may be taken."""
    file_name: str
    questions: list[BankQuestion]
    refused: list[RefusedQuestion]
    skip_bad: bool
    counts: dict[str, int] = field(default_factory=dict)
    counts_line: str = ""
    places: list[str] = field(default_factory=list)   # each question's line or row, translated
    bank_yaml: str | None = None   # None: nothing is offered (errors without skip-bad, or empty)

    @property
    def preview(self) -> list[BankQuestion]:
        return self.questions[:PREVIEW_LIMIT]

    @property
    def download_name(self) -> str:
        return (PurePath(self.file_name).stem or "bank") + ".yaml"


@dataclass
class ExportOutcome:
    refused: list[RefusedQuestion]
    warnings: list[RefusedQuestion]
    content: bytes | None          # None when refusals stopped the export
    download_name: str = ""
    media_type: str = ""
    written: int = 0


def clean_name(name: str | None, default: str) -> str:
    """The uploaded file's own name (no folders, no control characters), for messages."""
    base = PurePath((name or "").replace("\\", "/")).name
    return _UNSAFE_NAME.sub("", base).strip() or default


def import_upload(data: bytes, file_name: str, fmt: str | None, skip_bad: bool) -> ImportReport:
    """Convert an uploaded GIFT/Aiken/Moodle XML/XLSX file. Raises BankUploadError when the
    file as a whole cannot be read (wrong format, corrupt, hostile)."""
    try:
        result = import_data(data, file_name, fmt or None,
                             known_types=set(current_registry().question_types))
    except BankFileError as exc:
        raise BankUploadError(str(exc.args[0])) from exc
    report = ImportReport(
        file_name=file_name, questions=result.questions, skip_bad=skip_bad,
        refused=[RefusedQuestion(where_text(r.where), str(r.reason)) for r in result.refusals],
        counts=type_counts(result.questions), counts_line=counts_text(result.questions),
        places=[where_text(q.where) if q.where else "" for q in result.questions])
    if result.questions and (skip_bad or not result.refusals):
        report.bank_yaml = imported_bank_yaml(result.questions, file_name)
    return report


def template_bytes() -> bytes:
    """The Excel template of `flask elearn bank template`."""
    return _written(write_template, ".xlsx")


def export_upload(data: bytes, file_name: str, fmt: str, skip_bad: bool) -> ExportOutcome:
    """Export an uploaded bank YAML to GIFT or XLSX."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BankUploadError(_("%(file)s is not UTF-8 text; save it as UTF-8",
                                file=file_name)) from exc
    _refuse_aliases(text, file_name)
    return _export(lambda out: export_text(text, file_name, fmt, out, skip_bad), fmt,
                   PurePath(file_name).stem)


def export_course(slug: str, fmt: str, skip_bad: bool) -> ExportOutcome:
    """Export the bank of a loaded course (its file in the course folder)."""
    course = current_registry().course(slug)
    if course is None or course.quiz is None:
        raise BankUploadError(_("There is no course “%(slug)s” with a quiz.", slug=slug))
    if course.path is None:
        raise BankUploadError(_("The bank of “%(slug)s” is not a file on this server.",
                                slug=slug))
    bank = course.path / course.quiz.bank
    return _export(lambda out: export_bank(bank, fmt, out, skip_bad), fmt, slug,
                   hide=str(course.path))


def course_choices() -> list[tuple[str, str]]:
    """(slug, title) of the loaded courses that have a bank, for the export form."""
    return [(course.slug, course.title.get()) for course in current_registry().courses.values()
            if course.quiz is not None and course.path is not None]


def _export(run: Callable[[Path], ExportResult], fmt: str, stem: str, hide: str = ""
            ) -> ExportOutcome:
    with tempfile.TemporaryDirectory(prefix="elearn-bank-") as folder:
        out = Path(folder) / ("bank" + EXTENSIONS[fmt])
        try:
            result = run(out)
        except BankFileError as exc:
            # Messages name the uploaded file, never a path on the server.
            message = str(exc.args[0]).replace(folder + "/", "")
            raise BankUploadError(message.replace(hide + "/", "") if hide else message) from exc
        outcome = ExportOutcome(
            refused=[RefusedQuestion(r.where, str(r.reason)) for r in result.refusals],
            warnings=[RefusedQuestion(w.where, str(w.reason)) for w in result.warnings],
            content=None, written=result.written)
        if out.exists():
            outcome.content = out.read_bytes()
            outcome.download_name = (stem or "bank") + EXTENSIONS[fmt]
            outcome.media_type = MEDIA_TYPES[fmt]
    return outcome


def _written(write: Callable[[Path], None], suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="elearn-bank-") as folder:
        path = Path(folder) / ("file" + suffix)
        write(path)
        return path.read_bytes()


def _refuse_aliases(text: str, file_name: str) -> None:
    """A bank an author writes has no YAML aliases; an uploaded one with aliases could expand
    into gigabytes when its texts are read ("billion laughs"), so it is refused unread."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise BankUploadError(_("%(file)s uses YAML aliases (*name); write each text "
                                        "out in full", file=file_name))
    except yaml.YAMLError as exc:
        raise BankUploadError(_("%(file)s cannot be read as a question bank: %(error)s",
                                file=file_name, error=str(exc).splitlines()[0])) from exc
