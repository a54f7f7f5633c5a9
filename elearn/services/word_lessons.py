"""Lessons from a Word document on the page `/author/lessons`: the same converter as
`flask elearn lessons import` (content/word.py), on uploaded bytes.

Nothing touches the database or the disk: the author sees the lessons as a learner will, reads
what was left out, and takes the lesson files away as a zip to put in the course folder."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from ..content.rendering import render_markdown
from ..content.word_model import LeftOut, WordFileError, WordLesson

ZIP_TYPE = "application/zip"

__all__ = ["LessonsPreview", "WordFileError", "ZIP_TYPE", "preview_upload"]


@dataclass
class PreviewedLesson:
    lesson: WordLesson
    html: str       # sanitised, as the lesson page renders it


@dataclass
class LessonsPreview:
    file_name: str
    lessons: list[PreviewedLesson] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    zip_bytes: bytes = b""

    @property
    def download_name(self) -> str:
        stem = self.file_name.rsplit(".", 1)[0] or "bai-hoc"
        return f"{stem}-lessons.zip"


def preview_upload(data: bytes, file_name: str) -> LessonsPreview:
    """Convert an uploaded .docx; raise WordFileError (translated) if it cannot be read."""
    from ..content.word import convert_docx  # python-docx loads with the first document

    conversion = convert_docx(data)
    preview = LessonsPreview(file_name, left_out=conversion.left_out)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for lesson in conversion.lessons:
            archive.writestr(f"lessons/{lesson.file_name}", lesson.text)
            preview.lessons.append(PreviewedLesson(lesson, render_markdown(lesson.body)))
    preview.zip_bytes = buffer.getvalue()
    return preview
