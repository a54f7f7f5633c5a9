"""`/author/banks`: question banks from GIFT, Aiken, Moodle XML and Excel into elearn's YAML
(with the CLI's report and a preview), the Excel template, and exports to GIFT and Excel.
Nothing is stored: each answer is computed from the upload (services/banks.py)."""
from __future__ import annotations

import base64
from io import BytesIO

from flask import Blueprint, render_template, send_file
from flask_babel import gettext as _
from wtforms import SelectChoice

from ..forms import BankExportForm, BankImportForm
from ..models import Role
from ..security import permission
from ..services import banks

bp = Blueprint("banks", __name__, url_prefix="/author/banks")


def _export_form() -> BankExportForm:
    form = BankExportForm()
    form.course.choices = [SelectChoice("", "—")] + [
        SelectChoice(slug, title) for slug, title in banks.course_choices()]
    return form


def _page(import_form: BankImportForm | None = None, export_form: BankExportForm | None = None,
          status: int = 200, **context):
    return render_template("author/banks.html", import_form=import_form or BankImportForm(),
                           export_form=export_form or _export_form(), **context), status


@bp.get("/")
@permission(Role.AUTHOR)
def index():
    return _page()


@bp.post("/import")
@permission(Role.AUTHOR)
def import_bank():
    form = BankImportForm()
    if not form.validate_on_submit():
        return _page(import_form=form, status=400)
    upload = form.file.data
    name = banks.clean_name(upload.filename, "bank")
    try:
        report = banks.import_upload(upload.read(), name, form.format.data, form.skip_bad.data)
    except banks.BankUploadError as exc:
        return _page(import_form=form, status=400, import_error=exc.args[0])
    download = None
    if report.bank_yaml is not None:
        download = _data_link("application/x-yaml", report.bank_yaml.encode("utf-8"))
    return _page(import_form=form, status=200 if download else 400, report=report,
                 download=download)


@bp.get("/template.xlsx")
@permission(Role.AUTHOR)
def template():
    return send_file(BytesIO(banks.template_bytes()), mimetype=banks.XLSX_TYPE,
                     as_attachment=True, download_name="mau-ngan-hang.xlsx")


@bp.post("/export")
@permission(Role.AUTHOR)
def export_bank():
    form = _export_form()
    if not form.validate_on_submit():
        return _page(export_form=form, status=400)
    fmt, skip_bad = form.format.data, form.skip_bad.data
    try:
        if form.file.data:
            upload = form.file.data
            outcome = banks.export_upload(upload.read(), banks.clean_name(upload.filename, "bank"),
                                          fmt, skip_bad)
        elif form.course.data:
            outcome = banks.export_course(form.course.data, fmt, skip_bad)
        else:
            return _page(export_form=form, status=400,
                         export_error=_("Choose a bank file or a course."))
    except banks.BankUploadError as exc:
        return _page(export_form=form, status=400, export_error=exc.args[0])
    if outcome.content is None:
        return _page(export_form=form, status=400, export=outcome)
    if outcome.refused or outcome.warnings:
        # What was left out must be read before the file is taken: the list, then the link.
        return _page(export_form=form, export=outcome,
                     export_download=_data_link(outcome.media_type, outcome.content))
    return send_file(BytesIO(outcome.content), mimetype=outcome.media_type, as_attachment=True,
                     download_name=outcome.download_name)


def _data_link(media_type: str, content: bytes) -> str:
    """A data: link keeps the page stateless: the file is never stored on the server."""
    media_type = media_type.split(";")[0]
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"
