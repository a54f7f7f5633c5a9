"""Pledge bundles for circulation and supervision: one PDF and one XLSX per unit and year."""
from __future__ import annotations

import io
import json
from pathlib import Path

from flask_babel import format_date, gettext as _
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..models import Pledge, Unit
from ..spreadsheet import safe_cell, safe_row
from .pledges import plan_template

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"


def _status_label(status: str) -> str:
    return {
        "draft": _("draft"), "filed": _("filed"), "returned": _("returned"),
        "acknowledged": _("acknowledged"), "self_assessed": _("self-assessed"),
        "assessed": _("assessed"), "not_started": _("not started"),
    }.get(status, status)


def _commitments(pledge: Pledge):
    """(section title, commitment) pairs of the latest filed version."""
    if not pledge.versions:
        return []
    template = plan_template(pledge.plan)
    titles = {section.key: section.title.get() for section in template.sections}
    content = json.loads(pledge.versions[-1].content)
    return [(titles.get(key, key), item) for key, items in content.items() for item in items]


def bundle_xlsx(unit: Unit, year: int, rows: list[Pledge]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Pledges")[:31])
    bold = Font(bold=True)
    header = [_("Full name"), _("Position"), _("Unit"), _("Status"), _("Filed"), _("Section"),
              _("What I will do"), _("By when"), _("How it can be checked")]
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=safe_cell(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for pledge in rows:
        base = [pledge.user.full_name, pledge.user.position, pledge.user.unit.name,
                _status_label(pledge.status),
                pledge.filed_at.date().isoformat() if pledge.filed_at else ""]
        commitments = _commitments(pledge) or [("", {})]
        for section, item in commitments:
            sheet.append(safe_row(base + [section, item.get("what", ""),
                                          item.get("by_when", ""), item.get("how", "")]))
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _para(pdf: FPDF, height: float, text: str, align: str = "L") -> None:
    """A wrapped paragraph that leaves the cursor at the start of the next line."""
    pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")


def bundle_pdf(unit: Unit, year: int, rows: list[Pledge]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_("Pledges of %(unit)s, %(year)d", unit=unit.name, year=year))
    pdf.add_font("Noto", "", str(FONTS / "NotoSans-Regular.ttf"))
    pdf.add_font("Noto", "B", str(FONTS / "NotoSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Noto", "B", 15)
    _para(pdf, 8, _("Pledges of %(unit)s, %(year)d", unit=unit.name, year=year), align="C")
    pdf.set_font("Noto", "", 10)
    _para(pdf, 6, _("%(count)d pledges, bundled for circulation and supervision.",
                    count=len(rows)), align="C")
    for pledge in rows:
        pdf.ln(4)
        pdf.set_font("Noto", "B", 12)
        _para(pdf, 7, f"{pledge.user.full_name} — {pledge.user.position}")
        pdf.set_font("Noto", "", 9)
        filed = format_date(pledge.filed_at) if pledge.filed_at else "—"
        _para(pdf, 5, f"{_status_label(pledge.status)} · {_('Filed')}: {filed}")
        for section, item in _commitments(pledge):
            pdf.set_font("Noto", "B", 9)
            _para(pdf, 5, section)
            pdf.set_font("Noto", "", 10)
            _para(pdf, 5, f"• {item.get('what', '')}")
            pdf.set_font("Noto", "", 9)
            _para(pdf, 5, f"   {_('By when')}: {item.get('by_when', '')} · "
                          f"{_('How it can be checked')}: {item.get('how', '')}")
    return bytes(pdf.output())
