"""Excel workbooks: the common Vietnamese template (Câu hỏi | Lựa chọn A… | Đáp án | Giải thích)
and Moodle's qformat_csv columns (questionname, questiontext, A, B, C, D, Answer 1, Answer 2)
saved as XLSX. Headers match without regard to case or diacritics.

The answer is one or more option letters ("A", "A,C" → multiple choice); a row without
options is true/false when the answer is Đúng/Sai (True/False) and short text otherwise, its
accepted answers separated by ";"."""
from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from ...spreadsheet import FORMULA_STARTS, safe_row
from .model import (MULTIPLE, SHORT, SINGLE, TRUE_FALSE, BankFileError, BankQuestion,
                    ImportResult, LESSON_STEM, POINTS_MAX, POINTS_MIN, Option, Refusal, fold)

if TYPE_CHECKING:
    from openpyxl import Workbook
# openpyxl is imported where a workbook is read or written: ~13 MB that a web worker carries
# only once somebody uploads or downloads a bank.

# Folded header → field; "option:X" is option letter X.
_HEADERS = {
    "cau hoi": "prompt", "noi dung cau hoi": "prompt", "noi dung": "prompt",
    "questiontext": "prompt", "question": "prompt",
    "questionname": "title", "ma cau hoi": "title", "ma": "title", "id": "title",
    "dap an": "answer", "dap an dung": "answer", "answer": "answer", "answer 1": "answer",
    "answer 2": "answer", "answers": "answer",
    "giai thich": "feedback", "phan hoi": "feedback", "feedback": "feedback",
    "generalfeedback": "feedback", "correctfeedback": "feedback",
    "partiallycorrectfeedback": "feedback", "incorrectfeedback": "feedback",
    "bai hoc": "lesson", "lesson": "lesson",
    "chu de": "tags", "the": "tags", "tags": "tags",
    "diem": "points", "points": "points", "defaultmark": "points",
    "cham tung phan": "partial_credit", "partial credit": "partial_credit",
    "bo qua dau": "ignore_diacritics", "ignore diacritics": "ignore_diacritics",
    "answernumbering": "ignore", "stt": "ignore", "tt": "ignore", "so thu tu": "ignore",
}
_OPTION_HEADER = re.compile(r"^(?:lua chon|phuong an|option|dap an lua chon)?\s*([a-z])$")
_LETTERS = re.compile(r"^[A-Za-z](?:\s*[,;/ ]\s*[A-Za-z])*$|^[A-Za-z]+$")
_HEADER_SEARCH_ROWS = 10
_TRUE = {"dung", "d", "true", "t", "co"}
_FALSE = {"sai", "s", "false", "f", "khong"}
TEMPLATE_HEADERS = ["Câu hỏi", "Lựa chọn A", "Lựa chọn B", "Lựa chọn C", "Lựa chọn D",
                    "Đáp án", "Giải thích", "Bài học", "Chủ đề", "Điểm"]


def _field(header: Any) -> str | None:
    folded = fold(header) if header is not None else ""
    if folded in _HEADERS:
        return _HEADERS[folded]
    option = _OPTION_HEADER.match(folded)
    return f"option:{option.group(1).upper()}" if option else None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # Our own export (and elearn.spreadsheet) quote text that would start a formula.
    if text.startswith("'") and text[1:2] in FORMULA_STARTS:
        text = text[1:]
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


# A workbook whose parts would unpack to more than this is refused before openpyxl opens it:
# a 5 MB upload can hold gigabytes of zeros (a "zip bomb"). Python's zipfile never inflates
# a member past its declared size, so summing the declared sizes is a real bound.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024


def _refuse_zip_bomb(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BankFileError(_l("not a readable Excel workbook (.xlsx)")) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise BankFileError(_l("the workbook unpacks to more than %(mb)d MB; save only the "
                               "question sheet and try again",
                               mb=MAX_UNPACKED_BYTES // (1024 * 1024)))


def parse(data: bytes) -> ImportResult:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _refuse_zip_bomb(data)
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BankFileError(_l("not a readable Excel workbook (.xlsx)")) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header_row, fields = 0, []
    # The header row is the first with a question column: a title row above it
    # ("NGÂN HÀNG CÂU HỎI …", often merged across the columns) is common.
    for number, row in enumerate(rows, start=1):
        if "prompt" in (candidate := [_field(v) for v in row]):
            header_row, fields = number, candidate
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    if "prompt" not in fields:
        raise BankFileError(_l("no “Câu hỏi” (or questiontext) column in the first %(n)d rows "
                               "of the first sheet", n=_HEADER_SEARCH_ROWS))
    result = ImportResult()
    for number, row in enumerate(rows, start=header_row + 1):
        values: dict[str, list[str]] = {}
        for field, value in zip(fields, row):
            if field and field != "ignore" and _cell(value):
                values.setdefault(field, []).append(_cell(value))
        if not values:
            continue
        try:
            result.questions.append(_row(values, f"row {number}"))
        except ValueError as refused:
            result.refusals.append(Refusal(f"row {number}", refused.args[0]))
    workbook.close()
    return result


def _row(values: dict[str, list[str]], where: str) -> BankQuestion:
    prompt = "\n".join(values.get("prompt", []))
    if not prompt:
        raise ValueError(_l("the row has no question text"))
    question = BankQuestion(type=SINGLE, prompt=prompt, where=where,
                            title=" ".join(values.get("title", [])),
                            feedback="\n\n".join(dict.fromkeys(values.get("feedback", []))),
                            lesson=(values.get("lesson") or [None])[0],
                            tags=[t.strip() for cell in values.get("tags", [])
                                  for t in cell.split(",") if t.strip()])
    if values.get("points"):
        try:
            question.points = float(values["points"][0].replace(",", "."))
        except ValueError:
            question.points = 0.0
        if not POINTS_MIN <= question.points <= POINTS_MAX:
            raise ValueError(_l("points “%(points)s” must be a number from 0.01 to 1000",
                                points=values["points"][0]))
    if question.lesson and not LESSON_STEM.match(question.lesson):
        raise ValueError(_l("lesson “%(lesson)s” is not a lesson file name without .md, such "
                            "as 01-tu-tuong", lesson=question.lesson))
    question.partial_credit = _yes_no(values, "partial_credit", True)
    question.ignore_diacritics = _yes_no(values, "ignore_diacritics", False)
    options = {key.split(":")[1]: text[0] for key, text in values.items()
               if key.startswith("option:")}
    answer = " ".join(values.get("answer", []))
    if not answer:
        raise ValueError(_l("the row has no answer (“Đáp án”)"))
    if options:
        _choice(question, options, answer)
    elif fold(answer) in _TRUE | _FALSE:
        question.type, question.answer = TRUE_FALSE, fold(answer) in _TRUE
    else:
        question.type = SHORT
        question.answers = [a.strip() for a in answer.split(";") if a.strip()]
    return question


def _yes_no(values: dict[str, list[str]], field: str, default: bool) -> bool:
    """An optional Có/Không column; empty means the bank format's default."""
    if not values.get(field):
        return default
    answer = fold(values[field][0])
    if answer not in _TRUE | _FALSE:
        raise ValueError(_l("“%(value)s” must be Có or Không", value=values[field][0]))
    return answer in _TRUE


def _choice(question: BankQuestion, options: dict[str, str], answer: str) -> None:
    if not _LETTERS.match(answer):
        raise ValueError(_l("the answer “%(answer)s” is not option letters such as A or A,C",
                            answer=answer))
    letters = sorted({c.upper() for c in answer if c.isalpha()})
    unknown = [c for c in letters if c not in options]
    if unknown:
        raise ValueError(_l("the answer %(letters)s is not one of the options (%(options)s)",
                            letters=", ".join(unknown), options=", ".join(sorted(options))))
    if len(options) < 2:
        raise ValueError(_l("a choice question needs at least two options"))
    question.type = SINGLE if len(letters) == 1 else MULTIPLE
    question.options = [Option(options[k], k in letters) for k in sorted(options)]


# --- template and export --------------------------------------------------------------------

def _sheet(headers: list[str]) -> tuple[Workbook, Any]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ngân hàng câu hỏi"
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = 60 if header == "Câu hỏi" else 40 if header == "Giải thích" else 22
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    return workbook, sheet


def write_template(path: Path) -> None:
    """The Vietnamese template with three example rows (one per kind of answer)."""
    workbook, sheet = _sheet(TEMPLATE_HEADERS)
    examples = [
        ["Chỉ thị 05-CT/TW về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách "
         "Hồ Chí Minh được ban hành năm nào?", "2011", "2016", "2019", "2021", "B",
         "Chỉ thị 05-CT/TW ban hành ngày 15/5/2016.", "", "", ""],
        ["Những nội dung nào thuộc phong cách Hồ Chí Minh? (chọn nhiều đáp án)",
         "Phong cách tư duy", "Phong cách làm việc", "Phong cách xa hoa", "Phong cách ứng xử",
         "A,B,D", "", "", "", ""],
        ["Học tập và làm theo Bác là việc làm thường xuyên. (Đáp án Đúng/Sai, không điền "
         "lựa chọn)", "", "", "", "", "Đúng", "", "", "", ""],
        ["Tên gọi khác của Chủ tịch Hồ Chí Minh khi hoạt động ở Pháp? (trả lời ngắn: các "
         "đáp án chấp nhận cách nhau bởi dấu ;)", "", "", "", "", "Nguyễn Ái Quốc; Nguyen Ai "
         "Quoc", "", "", "", ""],
    ]
    for row in examples:
        sheet.append(safe_row(row))
    from openpyxl.styles import Alignment

    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    workbook.save(path)


def write_bank(path: Path, questions: list[tuple[str, BankQuestion]]) -> None:
    """Export: one row a question, ids in "Mã câu hỏi" so a re-import keeps them. Every cell
    passes through `safe_row`, so no option text becomes a live formula."""
    width = max([4] + [len(q.options) for _, q in questions])
    letters = [chr(ord("A") + i) for i in range(width)]
    workbook, sheet = _sheet(["Mã câu hỏi", "Câu hỏi", *(f"Lựa chọn {c}" for c in letters),
                              "Đáp án", "Giải thích", "Bài học", "Chủ đề", "Điểm",
                              "Chấm từng phần", "Bỏ qua dấu"])
    for qid, question in questions:
        options = [o.text for o in question.options] + [""] * (width - len(question.options))
        if question.type in (SINGLE, MULTIPLE):
            answer = ",".join(c for c, o in zip(letters, question.options) if o.correct)
        elif question.type == TRUE_FALSE:
            answer = "Đúng" if question.answer else "Sai"
        else:
            answer = "; ".join(question.answers)
        points = question.points if question.points != 1 else ""
        # Only where the bank departs from the format's defaults, so the sheet stays quiet.
        partial = "Không" if question.type == MULTIPLE and not question.partial_credit else ""
        diacritics = "Có" if question.type == SHORT and question.ignore_diacritics else ""
        sheet.append(safe_row([qid, question.prompt, *options, answer, question.feedback,
                               question.lesson or "", ", ".join(question.tags), points,
                               partial, diacritics]))
    workbook.save(path)
