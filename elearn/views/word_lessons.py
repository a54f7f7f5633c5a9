"""`/author/lessons`: a Word document to lesson files, shown as learners will read them, with
what could not be carried, and the files as a zip. Nothing is stored (services/word_lessons)."""
from __future__ import annotations

import base64

from flask import Blueprint, render_template

from ..forms import WordLessonsForm
from ..models import Role
from ..security import permission
from ..services import word_lessons
from ..services.banks import clean_name

bp = Blueprint("word_lessons", __name__, url_prefix="/author/lessons")


def _page(form: WordLessonsForm | None = None, status: int = 200, **context):
    return render_template("author/lessons.html", form=form or WordLessonsForm(),
                           **context), status


@bp.get("/")
@permission(Role.AUTHOR)
def index():
    return _page()


@bp.post("/")
@permission(Role.AUTHOR)
def convert():
    form = WordLessonsForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    upload = form.file.data
    try:
        preview = word_lessons.preview_upload(upload.read(),
                                              clean_name(upload.filename, "bai-hoc.docx"))
    except word_lessons.WordFileError as exc:
        return _page(form, status=400, error=str(exc))
    # A data: link keeps the page stateless: the files are never stored on the server.
    download = "data:application/zip;base64," + base64.b64encode(preview.zip_bytes).decode()
    return _page(form, preview=preview, download=download)
