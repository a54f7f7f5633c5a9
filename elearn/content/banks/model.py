"""The common model every bank format reads into and writes from.

An importer turns a file into `BankQuestion`s (elearn's own question types) plus a `Refusal`
for each question it cannot carry over faithfully; `to_bank_yaml` writes the questions as a
bank that `flask elearn courses check` accepts. `read_bank` reads a bank back for export."""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

SINGLE = "single_choice"
MULTIPLE = "multiple_choice"
TRUE_FALSE = "true_false"
SHORT = "short_text"
ORDERING = "ordering"
MATCHING = "matching"
NUMERIC = "numeric"
TYPES = (SINGLE, MULTIPLE, TRUE_FALSE, SHORT, ORDERING, MATCHING, NUMERIC)
OPTION_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# What the course loader accepts (elearn/content/loader.py), checked here so an imported bank
# passes `courses check` and a bad cell is reported with its row.
LESSON_STEM = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
POINTS_MIN, POINTS_MAX = 0.01, 1000


@dataclass
class Option:
    text: str
    correct: bool = False


@dataclass
class NumericAnswer:
    """One accepted number: `value` ± `tolerance` earns `credit` per cent (decimal strings, so
    nothing is lost to binary floats on the way through)."""
    value: str
    tolerance: str = "0"
    credit: float = 100.0


@dataclass
class BankQuestion:
    """One question in elearn's terms; `where` is "line N" or "row N" in the source file."""
    type: str
    prompt: str
    where: str = ""
    title: str = ""                      # the source's name for it; becomes the id
    options: list[Option] = field(default_factory=list)
    answer: bool | None = None           # true_false
    answers: list[str] = field(default_factory=list)  # short_text
    items: list[str] = field(default_factory=list)    # ordering, in the right order
    pairs: list[tuple[str, str]] = field(default_factory=list)  # matching: (left, right)
    distractors: list[str] = field(default_factory=list)        # matching: extra right items
    numbers: list[NumericAnswer] = field(default_factory=list)  # numeric
    unit: str = ""                                               # numeric, shown after the box
    ignore_diacritics: bool = False
    partial_credit: bool = True
    feedback: str = ""
    points: float = 1.0
    lesson: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class Refusal:
    """A question the importer could not carry over, and why (translated, lazily)."""
    where: str
    reason: Any


@dataclass
class ImportResult:
    questions: list[BankQuestion] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


class BankFileError(Exception):
    """The file as a whole cannot be read (not UTF-8, not XML, not a workbook…)."""


def labelled(label: Any, text: str) -> str:
    """An answer's own feedback inside the question's one feedback: "label: text"."""
    return f"{label}: {text}" if text else ""


def join_feedback(parts: list[str]) -> str:
    return "\n\n".join(part for part in parts if part)


def refused_type(name: str) -> Any:
    return _l("question type “%(type)s” cannot be imported: elearn has no such question type",
              type=name)


def matching_problem(question: BankQuestion) -> Any | None:
    """Why elearn's matching type (elearn/builtins/matching.py) would not load these pairs, or
    None; checked at import so the refusal names the source line."""
    lefts = [left for left, _ in question.pairs]
    if len(lefts) < 2:
        return _l("a %(type)s question needs at least 2 pairs", type=MATCHING)
    if len(set(lefts)) != len(lefts):
        return _l("the left items of a %(type)s question must all be different", type=MATCHING)
    rights = {right for _, right in question.pairs}
    if rights & set(question.distractors):
        return _l("a distractor must differ from every right-hand item")
    if len(rights | set(question.distractors)) < 2:
        return _l("a %(type)s question needs at least 2 different right-hand items",
                  type=MATCHING)
    return None


def slugify(text: str, limit: int = 40) -> str:
    """Lowercase ASCII letters, digits and hyphens, readable for a Vietnamese title
    ("Tư tưởng Hồ Chí Minh" → "tu-tuong-ho-chi-minh")."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z0-9_.]+", "-", text).strip("-._")
    return text[:limit].rstrip("-._")


def category_tags(path: str) -> list[str]:
    """`$course$/top/Chỉ thị 05/Tư tưởng` → [`tu-tuong`]: the category's own name."""
    parts = [p.strip() for p in path.strip().split("/")
             if p.strip() and not p.strip().startswith("$") and p.strip().lower() != "top"]
    tag = slugify(parts[-1]) if parts else ""
    return [tag] if tag else []


def fold(text: str) -> str:
    """Case-, diacritics- and spacing-insensitive form, for matching column headers."""
    return " ".join(slugify(str(text), limit=200).replace("-", " ").replace("_", " ").split())


def assign_ids(questions: list[BankQuestion]) -> list[str]:
    """Stable ids: the source's title, else the prompt's first words, made unique with -2, -3.
    The same file imported twice gives the same ids; editing one question moves no other."""
    ids: list[str] = []
    seen: set[str] = set()
    for question in questions:
        base = slugify(question.title) or slugify(" ".join(question.prompt.split()[:8])) or "q"
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}-{n}"
        seen.add(candidate)
        ids.append(candidate)
    return ids


def _question_mapping(question: BankQuestion, qid: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": qid, "type": question.type, "prompt": question.prompt}
    if question.points != 1:
        item["points"] = int(question.points) if question.points.is_integer() else question.points
    if question.lesson:
        item["lesson"] = question.lesson
    if question.tags:
        item["tags"] = list(question.tags)
    if question.type in (SINGLE, MULTIPLE):
        item["options"] = [{"id": OPTION_LETTERS[i], "text": o.text, **({"correct": True}
                            if o.correct else {})} for i, o in enumerate(question.options)]
        if question.type == MULTIPLE and not question.partial_credit:
            item["partial_credit"] = False
    elif question.type == TRUE_FALSE:
        item["answer"] = bool(question.answer)
    elif question.type == SHORT:
        item["answers"] = list(question.answers)
        if question.ignore_diacritics:
            item["ignore_diacritics"] = True
    elif question.type == ORDERING:
        item["items"] = list(question.items)
        if not question.partial_credit:
            item["partial_credit"] = False
    elif question.type == MATCHING:
        item["pairs"] = [{"left": left, "right": right} for left, right in question.pairs]
        if question.distractors:
            item["distractors"] = list(question.distractors)
        if not question.partial_credit:
            item["partial_credit"] = False
    elif question.type == NUMERIC:
        item.update(_numeric_mapping(question))
    if question.feedback:
        item["feedback"] = question.feedback
    return item


def yaml_number(text: str) -> int | float:
    """A decimal string as the YAML number an author would type (1890, not 1890.0)."""
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


def _numeric_mapping(question: BankQuestion) -> dict[str, Any]:
    numbers = question.numbers
    if len(numbers) == 1 and numbers[0].credit == 100:  # the short form
        item: dict[str, Any] = {"answer": yaml_number(numbers[0].value)}
        if Decimal(numbers[0].tolerance):
            item["tolerance"] = yaml_number(numbers[0].tolerance)
    else:
        item = {"answers": [{"value": yaml_number(n.value),
                             **({"tolerance": yaml_number(n.tolerance)}
                                if Decimal(n.tolerance) else {}),
                             **({"credit": yaml_number(str(n.credit))}
                                if n.credit != 100 else {})} for n in numbers]}
    if question.unit:
        item["unit"] = question.unit
    return item


class _BankDumper(yaml.SafeDumper):
    """Multi-line texts as `|` blocks, the way an author would type them."""


def _text_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BankDumper.add_representer(str, _text_representer)


def to_bank_yaml(questions: list[BankQuestion], source: str = "") -> str:
    """The bank as YAML an author can read and edit: Vietnamese letters as they are, keys in
    the order docs/course-format.md shows them."""
    data = {"questions": [_question_mapping(q, qid)
                          for q, qid in zip(questions, assign_ids(questions))]}
    header = f"# {source}\n" if source else ""
    return header + yaml.dump(data, Dumper=_BankDumper, allow_unicode=True, sort_keys=False,
                              width=100, default_flow_style=False)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: a reader (or a second
    run at the same time) sees the old file or the whole new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _vi(value: Any) -> str:
    """The Vietnamese text of a plain or localised text."""
    if isinstance(value, dict):
        return str(value.get("vi", ""))
    return "" if value is None else str(value)


def has_english(item: dict[str, Any]) -> bool:
    texts = [item.get("prompt"), item.get("feedback"), item.get("unit")] + [
        o.get("text") for o in item.get("options", []) if isinstance(o, dict)] + [
        p.get(side) for p in item.get("pairs", []) or [] if isinstance(p, dict)
        for side in ("left", "right")] + list(item.get("distractors", []) or [])
    return any(isinstance(t, dict) and t.get("en") for t in texts)


def read_bank(path: Path) -> list[tuple[str, BankQuestion, dict[str, Any]]]:
    """The questions of a bank file as (id, question, raw mapping); the raw mapping lets an
    exporter refuse what its format cannot carry (another type, English text…)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankFileError(_l("%(file)s cannot be read as a question bank: %(error)s",
                               file=str(path), error=str(exc).splitlines()[0])) from exc
    return parse_bank(text, str(path))


def parse_bank(text: str, name: str) -> list[tuple[str, BankQuestion, dict[str, Any]]]:
    """`read_bank` for text already read; `name` names the file in messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BankFileError(_l("%(file)s cannot be read as a question bank: %(error)s",
                               file=name, error=str(exc).splitlines()[0])) from exc
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise BankFileError(_l("%(file)s is not a question bank (a mapping with a 'questions' "
                               "list)", file=name))
    result = []
    for item in data["questions"]:
        if not isinstance(item, dict):
            continue
        try:
            question = _bank_question(item)
        except (TypeError, ValueError, AttributeError, InvalidOperation) as exc:
            raise BankFileError(_l("question %(id)s in %(file)s is not valid (%(error)s); "
                                   "`flask elearn courses check` says why", id=item.get("id"),
                                   file=name, error=str(exc))) from exc
        result.append((str(item.get("id", "")), question, item))
    return result


def _bank_question(item: dict[str, Any]) -> BankQuestion:
    return BankQuestion(
        type=str(item.get("type")), prompt=_vi(item.get("prompt")),
        title=str(item.get("id", "")), feedback=_vi(item.get("feedback")),
        points=float(item.get("points", 1)), lesson=item.get("lesson"),
        tags=[str(t) for t in item.get("tags", []) or []],
        options=[Option(_vi(o.get("text")), bool(o.get("correct")))
                 for o in item.get("options", []) or [] if isinstance(o, dict)],
        answer=item.get("answer"), answers=[str(a) for a in item.get("answers", []) or []],
        items=[_vi(i) for i in item.get("items", []) or []],
        pairs=[(_vi(p.get("left")), _vi(p.get("right"))) for p in item.get("pairs", []) or []
               if isinstance(p, dict)],
        distractors=[_vi(d) for d in item.get("distractors", []) or []],
        numbers=_bank_numbers(item), unit=_vi(item.get("unit")),
        ignore_diacritics=bool(item.get("ignore_diacritics", False)),
        partial_credit=bool(item.get("partial_credit", True)))


def _bank_numbers(item: dict[str, Any]) -> list[NumericAnswer]:
    if "answer" in item and item.get("type") == NUMERIC:
        return [NumericAnswer(str(Decimal(str(item["answer"]))),
                              str(Decimal(str(item.get("tolerance", 0)))))]
    return [NumericAnswer(str(Decimal(str(a["value"]))), str(Decimal(str(a.get("tolerance", 0)))),
                          float(a.get("credit", 100)))
            for a in item.get("answers", []) or [] if isinstance(a, dict)]
