"""A Word document (.docx) to lesson files: one lesson at each Heading 1.

One converter for `flask elearn lessons import` and the page `/author/lessons`.

Why python-docx and not mammoth: mammoth's Markdown writer is deprecated and drops tables, and
its messages carry no position, while a centre needs to hear *where* something was left out
("paragraph 12: an image"). python-docx gives the document's body in order (paragraphs and
tables, with their styles, runs and list numbering), so the Markdown and the report come from
one walk. Its XML parser does not resolve entities; the zip is measured before it is opened.

What is carried: Heading 1 (the lesson's title), Headings 2–6 (`##`…), bulleted and numbered
lists with their levels, bold and italic, web links, line breaks and tables (a Markdown table,
first row as header). What is not (images, footnotes, endnotes, comments, equations, text
boxes, text before the first Heading 1, merged table cells) is reported by paragraph number:
paragraphs of the body counted from 1 as Word lays them out, a table counting as one.
"""
from __future__ import annotations

import re
import zipfile
from io import BytesIO
from typing import Iterator

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from flask_babel import lazy_gettext as _l

from .banks.model import slugify
from .word_model import LeftOut, WordConversion, WordFileError, WordLesson

__all__ = ["LeftOut", "WordConversion", "WordFileError", "WordLesson", "convert_docx",
           "iter_lesson_files", "lesson_stem"]

# A 5 MB upload can unpack to gigabytes (a "zip bomb"). zipfile never inflates a member past
# its declared size, so the sum of declared sizes is a real bound, checked before parsing.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_STEM_LENGTH = 60
"""Lesson file stems are lesson addresses (100 characters in the database); keep them short."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Word 97–2003 .doc
_HEADING = re.compile(r"^heading ([1-6])$", re.IGNORECASE)
_WEB_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def convert_docx(data: bytes) -> WordConversion:
    """Split a .docx into lessons at each Heading 1; raise WordFileError if it cannot be read."""
    document = _open(data)
    walker = _Walker(document)
    return walker.run()


def lesson_stem(title: str) -> str:
    """"Bài 1: Tư tưởng Hồ Chí Minh" → "bai-1-tu-tuong-ho-chi-minh", cut at a word boundary."""
    stem = re.sub(r"[^a-z0-9]+", "-", slugify(title, limit=400)).strip("-") or "bai"
    if len(stem) > MAX_STEM_LENGTH:
        cut = stem[:MAX_STEM_LENGTH + 1]
        stem = cut[:cut.rfind("-")] if "-" in cut else stem[:MAX_STEM_LENGTH]
    return stem


def _open(data: bytes):
    if data[:4] == _OLE_MAGIC:
        raise WordFileError(_l("this is an old Word file (.doc): open it in Word and save it "
                               "as .docx (Word Document), then try again"))
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WordFileError(_l("not a readable Word document (.docx)")) from exc
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise WordFileError(_l("the document unpacks to more than %(mb)d MB; remove large "
                               "images and try again", mb=MAX_UNPACKED_BYTES // (1024 * 1024)))
    if "word/document.xml" not in names:
        raise WordFileError(_l("not a readable Word document (.docx)"))
    try:
        return Document(BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a damaged file; all mean this
        raise WordFileError(_l("not a readable Word document (.docx)")) from exc


class _Walker:
    """One pass over the body, building lessons and the report."""

    def __init__(self, document) -> None:
        self.document = document
        self.result = WordConversion()
        self.title: str | None = None
        self.title_paragraph = 0
        self.blocks: list[str] = []
        self.list_open: str | None = None   # the kind of list the last block is
        self.number = 0
        self.before_first: list[int] = []
        self.used: set[str] = set()

    def run(self) -> WordConversion:
        for block in self.document.iter_inner_content():
            self.number += 1
            if isinstance(block, Table):
                self._table(block)
            else:
                self._paragraph(block)
        self._close_lesson()
        if self.before_first:
            self._leave_out(self.before_first[0], _l(
                "text before the first Heading 1 (%(count)d paragraph(s) or table(s))",
                count=len(self.before_first)))
        if not self.result.lessons and self.title_paragraph == 0:
            raise WordFileError(_l("the document has no Heading 1: give each lesson's title "
                                   "the style Heading 1 in Word"))
        self.result.left_out.sort(key=lambda item: item.paragraph)
        return self.result

    # -- blocks ---------------------------------------------------------------------------

    def _paragraph(self, paragraph: Paragraph) -> None:
        self._report_unsupported(paragraph._p)
        level = _heading_level(paragraph)
        text = self._inline(paragraph).strip()
        if level == 1:
            self._close_lesson()
            self.title = " ".join(paragraph.text.split())
            self.title_paragraph = self.number
            if not self.title:
                self._leave_out(self.number, _l("an empty Heading 1"))
            return
        if self.title is None:
            if paragraph.text.strip() or text:
                self.before_first.append(self.number)
            return
        if not text:
            self.list_open = None
            return
        if level:
            self._block("#" * level + " " + text)
            return
        kind, depth = _list_item(self.document, paragraph)
        if kind:
            marker = "1." if kind == "number" else "-"
            # Four spaces a level nest under both "- " and "1. " parents in CommonMark.
            indent = "    " * depth
            line = f"{indent}{marker} {text}"
            if self.list_open == kind or (self.list_open and depth):
                self.blocks[-1] += "\n" + line
            else:
                self.blocks.append(line)
            if not depth or not self.list_open:
                self.list_open = kind
            return
        self._block(_escape_line_start(text))

    def _table(self, table: Table) -> None:
        if self.title is None:
            self.before_first.append(self.number)
            return
        rows: list[list[str]] = []
        merged = False
        for row in table.rows:
            seen: set[int] = set()
            cells: list[str] = []
            for cell in row.cells:
                if id(cell._tc) in seen:
                    merged = True
                    cells.append("")
                    continue
                seen.add(id(cell._tc))
                if cell.tables:
                    self._leave_out(self.number, _l("a table inside a table cell"))
                for paragraph in cell.paragraphs:
                    self._report_unsupported(paragraph._p)
                parts = [self._inline(p).strip() for p in cell.paragraphs]
                cells.append("<br>".join(part for part in parts if part))
            rows.append(cells)
        if merged:
            self._leave_out(self.number, _l("merged table cells (each part is shown as a "
                                            "separate cell)"))
        if not rows or not any(any(cells) for cells in rows):
            return
        width = max(len(cells) for cells in rows)
        lines = []
        for index, cells in enumerate(rows):
            cells = cells + [""] * (width - len(cells))
            lines.append("| " + " | ".join(cell.replace("\n", " ") for cell in cells) + " |")
            if index == 0:
                lines.append("|" + "|".join(["---"] * width) + "|")
        self._block("\n".join(lines))

    def _block(self, text: str) -> None:
        self.list_open = None
        self.blocks.append(text)

    def _close_lesson(self) -> None:
        if self.title is None:
            return
        body = "\n\n".join(self.blocks).strip()
        if not self.title:
            pass  # reported where it was found; its text belongs to no lesson
        elif not re.search(r"\w", body):
            self._leave_out(self.title_paragraph, _l(
                "lesson “%(title)s” has no text under its heading; it was not written",
                title=self.title))
        else:
            stem = base = lesson_stem(self.title)
            counter = 2
            while stem in self.used:
                stem = f"{base[:MAX_STEM_LENGTH - 4].rstrip('-')}-{counter}"
                counter += 1
            self.used.add(stem)
            self.result.lessons.append(WordLesson(f"{stem}.md", self.title,
                                                  self.title_paragraph, body + "\n"))
        self.title, self.blocks, self.list_open = None, [], None

    # -- inline ---------------------------------------------------------------------------

    def _inline(self, paragraph: Paragraph) -> str:
        pieces: list[tuple[str, bool, bool]] = []   # (markdown-escaped text, bold, italic)
        for item in paragraph.iter_inner_content():
            if isinstance(item, Hyperlink):
                label = _escape("".join(r.text for r in item.runs))
                address = item.address or ""
                if label and _WEB_LINK.match(address) and not re.search(r"[<>\s]", address):
                    pieces.append((f"[{label}](<{address}>)", False, False))
                else:
                    pieces.append((label, False, False))
            elif isinstance(item, Run):
                pieces.append((_escape(item.text), _bold(item), _italic(item)))
        return _join_runs(pieces)

    def _report_unsupported(self, element) -> None:
        found = {
            qn("w:drawing"): _l("an image"), qn("w:pict"): _l("an image"),
            qn("w:footnoteReference"): _l("a footnote"), qn("w:endnoteReference"): _l("an endnote"),
            qn("w:commentReference"): _l("a comment"),
            qn("w:txbxContent"): _l("a text box"),
            "{http://schemas.openxmlformats.org/officeDocument/2006/math}oMath": _l("an equation"),
        }
        reported: set[str] = set()
        for node in element.iter(*found):
            what = str(found[node.tag])
            if what not in reported:
                reported.add(what)
                self._leave_out(self.number, what)

    def _leave_out(self, paragraph: int, what) -> None:
        self.result.left_out.append(LeftOut(paragraph, str(what)))


def _heading_level(paragraph: Paragraph) -> int:
    style = paragraph.style
    while style is not None:
        match = _HEADING.match(style.name or "")
        if match:
            return int(match.group(1))
        style = style.base_style
    return 0


def _list_item(document, paragraph: Paragraph) -> tuple[str | None, int]:
    """("bullet" | "number" | None, nesting level) from the paragraph's or its style's
    numbering, as Word stores lists."""
    num_id, level = _numbering_of(paragraph._p.pPr)
    style = paragraph.style
    while num_id is None and style is not None:
        style_num, style_level = _numbering_of(style.element.pPr)
        if style_num is not None:
            num_id, level = style_num, level if level is not None else style_level
        style = style.base_style
    if num_id is None or num_id == "0":
        return None, 0
    if level is None:  # Word's "List Bullet 2" style: the level is in the style's name
        named = re.search(r"\s(\d)$", paragraph.style.name or "")
        level = int(named.group(1)) - 1 if named else 0
    fmt = _number_format(document, num_id, level)
    if fmt is None:
        name = (paragraph.style.name or "").lower()
        fmt = "decimal" if "number" in name else "bullet"
    return ("bullet" if fmt in ("bullet", "none") else "number"), min(level, 5)


def _numbering_of(ppr) -> tuple[str | None, int | None]:
    if ppr is None:
        return None, None
    numpr = ppr.find(qn("w:numPr"))
    if numpr is None:
        return None, None
    num = numpr.find(qn("w:numId"))
    ilvl = numpr.find(qn("w:ilvl"))
    level = int(ilvl.get(qn("w:val"))) if ilvl is not None else None
    return (num.get(qn("w:val")) if num is not None else None), level


def _number_format(document, num_id: str, level: int) -> str | None:
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return None
    for num in numbering.iterchildren(qn("w:num")):
        if num.get(qn("w:numId")) != num_id:
            continue
        abstract = num.find(qn("w:abstractNumId"))
        if abstract is None:
            return None
        for definition in numbering.iterchildren(qn("w:abstractNum")):
            if definition.get(qn("w:abstractNumId")) != abstract.get(qn("w:val")):
                continue
            for lvl in definition.iterchildren(qn("w:lvl")):
                if lvl.get(qn("w:ilvl")) == str(level):
                    fmt = lvl.find(qn("w:numFmt"))
                    return fmt.get(qn("w:val")) if fmt is not None else None
    return None


def _bold(run: Run) -> bool:
    return bool(run.bold) or (run.style is not None and run.style.name in ("Strong",))


def _italic(run: Run) -> bool:
    return bool(run.italic) or (run.style is not None and run.style.name in ("Emphasis",))


def _escape(text: str) -> str:
    """Word text as literal Markdown: characters Markdown would read as formatting or HTML are
    escaped; tabs become spaces and Word's line breaks Markdown hard breaks."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\t", " "))
    return text.replace("\n", "\\\n")


def _escape_line_start(text: str) -> str:
    """A paragraph that begins like a heading, quote or list item in Markdown stays text."""
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if m.group(2)[0] in "#>+-="
                           else m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def _join_runs(pieces: list[tuple[str, bool, bool]]) -> str:
    """Adjacent runs with the same formatting are merged first (Word splits runs for spell
    checking), and spaces are moved outside `**`/`*`, which CommonMark requires."""
    merged: list[list] = []
    for text, bold, italic in pieces:
        if not text:
            continue
        if merged and merged[-1][1:] == [bold, italic]:
            merged[-1][0] += text
        else:
            merged.append([text, bold, italic])
    out: list[str] = []
    for text, bold, italic in merged:
        mark = ("**" if bold else "") + ("*" if italic else "")
        core = text.strip()
        if not mark or not core:
            out.append(text)
            continue
        lead = text[:len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        out.append(f"{lead}{mark}{core}{mark[::-1]}{trail}")
    return "".join(out)


def iter_lesson_files(conversion: WordConversion) -> Iterator[tuple[str, str]]:
    """(lessons/<name>, file text) of every lesson, in document order."""
    for lesson in conversion.lessons:
        yield f"lessons/{lesson.file_name}", lesson.text
