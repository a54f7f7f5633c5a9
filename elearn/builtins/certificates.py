"""Default plugin: PDF certificates (fpdf2) with a QR code (segno) that opens the
verification page. Fonts ship with elearn (Noto Sans), so Vietnamese always renders."""
from __future__ import annotations

import io
from pathlib import Path

import segno

from ..api import CertificateData, CertificateRenderer, hookimpl

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
RED = (179, 38, 30)


class PdfCertificate(CertificateRenderer):
    name = "pdf"
    extension = "pdf"
    mimetype = "application/pdf"

    def render(self, certificate: CertificateData) -> bytes:
        from fpdf import FPDF  # on use: fpdf2 and its fontTools are ~35 MB per web worker

        labels = certificate.labels
        pdf = FPDF(orientation="landscape", unit="mm", format="A4")
        pdf.set_title(labels["title"])
        pdf.set_author(certificate.unit_name)
        pdf.set_creator("elearn")
        pdf.set_auto_page_break(False)
        pdf.add_font("Noto", "", str(FONTS / "NotoSans-Regular.ttf"))
        pdf.add_font("Noto", "B", str(FONTS / "NotoSans-Bold.ttf"))
        pdf.add_page()
        width = pdf.w - 40
        pdf.set_draw_color(*RED)
        pdf.set_line_width(1.2)
        pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
        pdf.set_line_width(0.3)
        pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

        def line(text: str, size: float, style: str = "", height: float = 9,
                 colour: tuple[int, int, int] = (0, 0, 0)) -> None:
            pdf.set_font("Noto", style, size)
            pdf.set_text_color(*colour)
            pdf.set_x(20)
            pdf.multi_cell(width, height, text, align="C")

        pdf.set_y(24)
        line(certificate.unit_name.upper(), 12, "B", 7)
        pdf.ln(6)
        line(labels["title"].upper(), 24, "B", 12, RED)
        pdf.ln(4)
        line(labels["certifies"], 13)
        line(certificate.holder_name, 26, "B", 14)
        pdf.ln(2)
        line(labels["completed"], 13)
        line(certificate.course_title, 15, "B", 8)
        pdf.ln(4)
        details = [labels["version"], labels["score"], labels["date"], labels["method"]]
        line("   ·   ".join(detail for detail in details if detail), 11, "", 7)
        line(labels["content_hash"], 8, "", 5, (95, 99, 104))

        qr = segno.make(certificate.verify_url, error="m")
        image = io.BytesIO()
        qr.save(image, kind="png", scale=6, border=2)
        image.seek(0)
        size = 34
        pdf.image(image, x=pdf.w - 20 - size - 6, y=pdf.h - 20 - size - 6, w=size, h=size)
        pdf.set_xy(26, pdf.h - 50)
        pdf.set_font("Noto", "", 10)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(0, 6, labels["code_label"])
        pdf.set_xy(26, pdf.h - 43)
        pdf.set_font("Noto", "B", 18)
        pdf.cell(0, 9, certificate.display_code)
        pdf.set_xy(26, pdf.h - 33)
        pdf.set_font("Noto", "", 9)
        pdf.cell(0, 5, labels["verify_at"])
        pdf.set_xy(26, pdf.h - 28)
        pdf.cell(0, 5, certificate.verify_url)
        return bytes(pdf.output())


@hookimpl
def register_certificate_renderers() -> list[type[CertificateRenderer]]:
    return [PdfCertificate]
