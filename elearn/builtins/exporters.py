"""Default plugin: CSV and XLSX exporters that stream. Every cell goes through
`elearn.spreadsheet.safe_row` (no live formulas, no control characters)."""
from __future__ import annotations

import csv
import io
import tempfile
from typing import Any, Iterable, Sequence


from ..api import Exporter, hookimpl, safe_row

CHUNK = 64 * 1024


class CsvExporter(Exporter):
    name = "csv"
    extension = "csv"
    mimetype = "text/csv; charset=utf-8"

    def stream(self, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterable[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel reads UTF-8 CSV correctly only with a BOM
        writer.writerow(safe_row(header))
        for count, row in enumerate(rows, start=1):
            writer.writerow(safe_row(row))
            if count % 500 == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode("utf-8")


class XlsxExporter(Exporter):
    name = "xlsx"
    extension = "xlsx"
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def stream(self, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterable[bytes]:
        from openpyxl import Workbook  # on use: ~13 MB a web worker mostly never needs

        # openpyxl's write-only mode spools rows to disk; the finished file is sent in chunks.
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(safe_row(header))
        for row in rows:
            sheet.append(safe_row(row))
        with tempfile.TemporaryFile() as spool:
            book.save(spool)
            spool.seek(0)
            while chunk := spool.read(CHUNK):
                yield chunk


@hookimpl
def register_exporters() -> list[type[Exporter]]:
    return [CsvExporter, XlsxExporter]
