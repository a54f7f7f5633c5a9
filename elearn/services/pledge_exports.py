"""Pledge documents: the bundle of a unit (PDF, XLSX), a committee's bound volume (PDF), and
the press column of published leaders' pledges (print-ready PDF and plain text for radio and
the commune bulletin). Dates are Vietnamese calendar days."""
from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import format_date, get_locale, gettext as _, ngettext

from ..labels import pledge_status_label
from ..clock import DAY_PATTERN, iso_local, local_date, local_today
from ..models import Pledge, PledgeVolume, Unit
from ..spreadsheet import safe_cell, safe_row
from .pledge_review import FiledVersion, as_filed
from .pledges import plan_template
from .read_replica import on_replica

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"


def _status_label(status: str) -> str:
    return pledge_status_label(status)


def _language() -> str:
    return str(get_locale() or "vi")


def _commitments(pledge: Pledge, filed: FiledVersion | None = None):
    """(section title, commitment) pairs of a filed version (the latest by default)."""
    if filed is None:
        if not pledge.versions:
            return []
        filed = as_filed(pledge.versions[-1])
    template = plan_template(pledge.plan)
    language = _language()
    titles = {section.key: section.title.get(language) for section in template.sections}
    return [(titles.get(key, key), item) for key, items in filed.content.items()
            for item in items]


def _guards(filed: FiledVersion | None) -> list[str]:
    if filed is None:
        return []
    language, label = _language(), _("Guard")
    return [f"{m.id}. {m.text.get(language)} — {label}: {guard or '—'}"
            for m, guard in filed.manifestations]


@on_replica
def bundle_xlsx(unit: Unit, year: int, rows: list[Pledge]) -> bytes:
    # fpdf2 and openpyxl load on use (here and in _document): ~48 MB a web worker that never
    # makes a document does not carry.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Pledges")[:31])
    bold = Font(bold=True)
    header = [_("Full name"), _("Position"), _("Unit"), _("Status"), _("Filed"), _("Section"),
              _("What I will do"), _("By when"), _("How it can be checked"),
              _("Manifestations to guard against")]
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=safe_cell(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for pledge in rows:
        filed = as_filed(pledge.versions[-1]) if pledge.versions else None
        base = [pledge.user.full_name, pledge.user.position, pledge.user.unit.name,
                _status_label(pledge.status), iso_local(pledge.filed_at)]
        guards = "\n".join(_guards(filed))
        commitments = _commitments(pledge, filed) or [("", {})]
        for section, item in commitments:
            sheet.append(safe_row(base + [section, item.get("what", ""),
                                          item.get("by_when", ""), item.get("how", ""), guards]))
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _para(pdf: FPDF, height: float, text: str, align: str = "L") -> None:
    """A wrapped paragraph that leaves the cursor at the start of the next line."""
    pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _document(title: str) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.add_font("Noto", "", str(FONTS / "NotoSans-Regular.ttf"))
    pdf.add_font("Noto", "B", str(FONTS / "NotoSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Noto", "B", 15)
    _para(pdf, 8, title, align="C")
    return pdf


def _pledge_block(pdf: FPDF, pledge: Pledge, filed: FiledVersion | None) -> None:
    pdf.ln(4)
    pdf.set_font("Noto", "B", 12)
    _para(pdf, 7, f"{pledge.user.full_name} — {pledge.user.position}")
    pdf.set_font("Noto", "", 9)
    when = filed.version.filed_at if filed else pledge.filed_at
    filed_on = format_date(local_date(when), DAY_PATTERN) if when else "—"
    _para(pdf, 5, f"{_status_label(pledge.status)} · {_('Filed')}: {filed_on}")
    for section, item in _commitments(pledge, filed):
        pdf.set_font("Noto", "B", 9)
        _para(pdf, 5, section)
        pdf.set_font("Noto", "", 10)
        _para(pdf, 5, f"• {item.get('what', '')}")
        pdf.set_font("Noto", "", 9)
        _para(pdf, 5, f"   {_('By when')}: {item.get('by_when', '')} · "
                      f"{_('How it can be checked')}: {item.get('how', '')}")
    if filed is not None and filed.commitment is not None:
        pdf.set_font("Noto", "", 9)
        _para(pdf, 5, f"✓ {filed.commitment.get(_language())}")
    guards = _guards(filed)
    if guards:
        pdf.set_font("Noto", "B", 9)
        _para(pdf, 5, _("Manifestations to guard against"))
        pdf.set_font("Noto", "", 9)
        for line in guards:
            _para(pdf, 5, f"– {line}")


@on_replica
def bundle_pdf(unit: Unit, year: int, rows: list[Pledge]) -> bytes:
    pdf = _document(_("Pledges of %(unit)s, %(year)d", unit=unit.name, year=year))
    pdf.set_font("Noto", "", 10)
    _para(pdf, 6, ngettext("%(num)d pledge, bundled for circulation and supervision.",
                           "%(num)d pledges, bundled for circulation and supervision.",
                           len(rows)), align="C")
    for pledge in rows:
        _pledge_block(pdf, pledge, as_filed(pledge.versions[-1]) if pledge.versions else None)
    return bytes(pdf.output())


def volume_pdf(volume: PledgeVolume, contents: list[tuple[Pledge, FiledVersion]]) -> bytes:
    """The bound volume, as it was on the day it was bound."""
    pdf = _document(_("Pledges of %(unit)s, %(year)d", unit=volume.unit.name, year=volume.year))
    pdf.set_font("Noto", "", 10)
    _para(pdf, 6, _("Bound on %(date)s for every member of the committee to supervise.",
                    date=format_date(local_date(volume.bound_at), DAY_PATTERN)), align="C")
    _para(pdf, 6, ngettext("%(num)d pledge", "%(num)d pledges", len(contents)), align="C")
    for pledge, filed in contents:
        _pledge_block(pdf, pledge, filed)
    return bytes(pdf.output())


# -- the press -------------------------------------------------------------------------------

def press_pdf(unit: Unit, items: list[Pledge]) -> bytes:
    """A print-ready column for the newspaper: the published leaders' pledges, dated."""
    pdf = _document(_("Leaders' pledges of %(unit)s", unit=unit.name))
    pdf.set_font("Noto", "", 10)
    _para(pdf, 6, _("Published for public supervision · %(date)s",
                    date=format_date(local_today(), DAY_PATTERN)), align="C")
    for pledge in items:
        _pledge_block(pdf, pledge, as_filed(pledge.versions[-1]))
    return bytes(pdf.output())


def press_text(unit: Unit, items: list[Pledge]) -> str:
    """Plain text for the radio and the commune bulletin: short lines, no tables."""
    language = _language()
    lines = [_("Leaders' pledges of %(unit)s", unit=unit.name).upper(),
             _("Published for public supervision · %(date)s",
               date=format_date(local_today(), DAY_PATTERN)), ""]
    for pledge in items:
        filed = as_filed(pledge.versions[-1])
        lines.append(f"{pledge.user.full_name}, {pledge.user.position}.")
        for _section, item in _commitments(pledge, filed):
            lines.append(f"- {item.get('what', '')} ({item.get('by_when', '')}).")
        for manifestation, guard in filed.manifestations:
            lines.append(_("- Guards against: %(manifestation)s",
                           manifestation=manifestation.text.get(language))
                         + (f" — {guard}" if guard else "") + ".")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
