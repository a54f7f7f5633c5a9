"""Question banks to and from other tools: GIFT, Aiken, Moodle XML and Excel (XLSX).

`import_file` reads a file into elearn questions plus refusals (each with its line or row);
`export_bank` writes a bank YAML file as GIFT or XLSX. The CLI (`flask elearn bank …`) and,
later, an upload page call these; neither needs a database."""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import aiken, gift, moodlexml, xlsx
from .model import (MATCHING, MULTIPLE, NUMERIC, SHORT, SINGLE, TRUE_FALSE, TYPES, BankFileError, BankQuestion,
                    ImportResult, Refusal, has_english, parse_bank, read_bank, to_bank_yaml,
                    write_atomically)

IMPORT_FORMATS = ("gift", "aiken", "moodlexml", "xlsx")
EXPORT_FORMATS = ("gift", "xlsx")
_BY_EXTENSION = {".gift": "gift", ".txt": "gift", ".xml": "moodlexml", ".xlsx": "xlsx"}

__all__ = ["BankFileError", "ImportResult", "ExportResult", "detect_format", "import_file",
           "import_data", "export_bank", "export_text", "to_bank_yaml", "write_atomically",
           "type_counts", "counts_text", "imported_bank_yaml", "where_text", "IMPORT_FORMATS", "EXPORT_FORMATS"]


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BankFileError(_l("%(file)s is not UTF-8 text (line %(line)d); save it as UTF-8",
                               file=name, line=data[:exc.start].count(b"\n") + 1)) from exc


def detect_format(path: Path, data: bytes) -> str:
    """The format from the extension; a .gift/.txt file that reads as Aiken is Aiken."""
    fmt = _BY_EXTENSION.get(path.suffix.lower())
    if fmt is None:
        raise BankFileError(_l("cannot tell the format of %(file)s from its extension; give "
                               "--format (gift, aiken, moodlexml or xlsx)", file=str(path)))
    if fmt == "gift" and aiken.looks_like_aiken(_decode(data, str(path))):
        return "aiken"
    return fmt


def import_file(path: Path, fmt: str | None = None, lesson: str | None = None,
                known_types: Collection[str] = ()) -> ImportResult:
    """The questions of `path` in elearn's terms, and every question refused with its reason.
    `known_types` are the site's question types: a type the site lacks (Moodle's ordering,
    were it not loaded) is refused by name. Raises BankFileError when the file as a whole cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BankFileError(_l("cannot read %(file)s: %(error)s", file=str(path),
                               error=exc.strerror or str(exc))) from exc
    return import_data(data, str(path), fmt, lesson, known_types)


def import_data(data: bytes, name: str, fmt: str | None = None, lesson: str | None = None,
                known_types: Collection[str] = ()) -> ImportResult:
    """`import_file` for bytes already read (an upload); `name` is the file's name, for the
    format (from its extension) and for messages."""
    fmt = fmt or detect_format(Path(name), data)
    if fmt == "gift":
        result = gift.parse(_decode(data, name))
    elif fmt == "aiken":
        result = aiken.parse(_decode(data, name))
    elif fmt == "moodlexml":
        result = moodlexml.parse(data, known_types)
    else:
        result = xlsx.parse(data)
    if lesson:
        for question in result.questions:
            question.lesson = question.lesson or lesson
    result.refusals.sort(key=lambda r: int(r.where.split()[-1]))
    return result


def imported_bank_yaml(questions: list[BankQuestion], file_name: str) -> str:
    """The bank YAML an import writes, headed by the file it came from."""
    return to_bank_yaml(questions, _("Imported from %(file)s", file=file_name))


def where_text(where: str) -> str:
    """"line 12" / "row 5" in the site's language (the CLI and the upload page say the same)."""
    kind, number = where.split()
    return _("line %(n)s", n=number) if kind == "line" else _("row %(n)s", n=number)


def counts_text(questions: list[BankQuestion]) -> str:
    """"single_choice 3, true_false 2": the elearn type names, as a course file spells them."""
    return ", ".join(f"{name} {n}" for name, n in type_counts(questions).items())


def type_counts(questions: list[BankQuestion]) -> dict[str, int]:
    """How many questions of each type, the built-in types first."""
    counts = Counter(q.type for q in questions)
    order = [t for t in TYPES if counts[t]] + sorted(set(counts) - set(TYPES))
    return {name: counts[name] for name in order}


@dataclass
class ExportResult:
    written: int = 0
    refusals: list[Refusal] = field(default_factory=list)
    warnings: list[Refusal] = field(default_factory=list)


def _exportable(qid: str, question: BankQuestion, raw: dict[str, Any], fmt: str
                ) -> tuple[Any | None, list[Any]]:
    """(why the question cannot be exported, what the format drops from it)."""
    writable = (SINGLE, MULTIPLE, TRUE_FALSE, SHORT) + ((MATCHING, NUMERIC) if fmt == "gift"
                                                        else ())
    if question.type not in writable:
        return _l("question type “%(type)s” cannot be written as %(format)s",
                  type=question.type, format=fmt.upper()), []
    if question.type == MATCHING and not question.partial_credit:
        return _l("matching without partial credit cannot be written as %(format)s: Moodle "
                  "gives each pair its share", format=fmt.upper()), []
    if question.type == MULTIPLE and not question.partial_credit and fmt == "gift":
        return _l("multiple choice without partial credit cannot be written as %(format)s",
                  format=fmt.upper()), []
    if question.type == SHORT and fmt == "xlsx" and any(";" in a for a in question.answers):
        return _l("an accepted answer contains “;”, which separates answers in the sheet"), []
    dropped = []
    if has_english(raw):
        dropped.append(_l("the English text"))
    if fmt == "gift":
        if question.ignore_diacritics:
            dropped.append(_l("ignore_diacritics"))
        if question.lesson:
            dropped.append(_l("the lesson"))
        if question.points != 1:
            dropped.append(_l("the points"))
        if len(question.tags) > 1:
            dropped.append(_l("all tags but the first"))
        if question.unit:
            dropped.append(_l("the unit"))
    return None, dropped


def export_bank(bank: Path, fmt: str, out: Path, skip_bad: bool = False) -> ExportResult:
    """Write `bank` as `fmt`. With refusals and without skip_bad nothing is written."""
    return _export(read_bank(bank), fmt, out, skip_bad)


def export_text(text: str, name: str, fmt: str, out: Path, skip_bad: bool = False
                ) -> ExportResult:
    """`export_bank` for a bank's YAML text already read (an upload); `name` for messages."""
    return _export(parse_bank(text, name), fmt, out, skip_bad)


def _export(entries: list[tuple[str, BankQuestion, dict[str, Any]]], fmt: str, out: Path,
            skip_bad: bool) -> ExportResult:
    result = ExportResult()
    chosen: list[tuple[str, BankQuestion]] = []
    dropped_from: dict[str, list[str]] = {}  # one warning per kind of loss, not per question
    for qid, question, raw in entries:
        refusal, dropped = _exportable(qid, question, raw, fmt)
        if refusal is not None:
            result.refusals.append(Refusal(qid, refusal))
            continue
        for what in dropped:
            dropped_from.setdefault(str(what), []).append(qid)
        chosen.append((qid, question))
    result.warnings = [Refusal(", ".join(ids), _l("%(format)s cannot hold %(what)s; it is left out",
                                                  format=fmt.upper(), what=what))
                       for what, ids in dropped_from.items()]
    if result.refusals and not skip_bad:
        return result
    if fmt == "gift":
        text = _gift_text(chosen)
        write_atomically(out, lambda path: path.write_text(text, encoding="utf-8"))
    else:
        write_atomically(out, lambda path: xlsx.write_bank(path, chosen))
    result.written = len(chosen)
    return result


def _gift_text(questions: list[tuple[str, BankQuestion]]) -> str:
    parts = ["// Exported from elearn (flask elearn bank export)\n"]
    category: str | None = None
    for qid, question in questions:
        tag = question.tags[0] if question.tags else ""
        if tag != category:
            parts.append(f"$CATEGORY: $course$/{tag or 'top'}\n")
            category = tag
        parts.append(gift.write_question(qid, question))
    return "\n".join(parts)
