"""Days and moments as the reader writes them: 31/12/2026 in Vietnamese, Dec 31, 2026 in
English. Babel's Vietnamese lengths read "31 thg 12, 2026" (medium) or "31/12/26" (short),
neither of which a Vietnamese form or letter uses. Moments are shown in Asia/Ho_Chi_Minh
(Flask-Babel's BABEL_DEFAULT_TIMEZONE)."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime, get_locale

from .clock import DAY_PATTERN

# Babel's named lengths a language replaces with its own pattern; "long" and "full" (which
# spell the month out) and explicit patterns are left to Babel.
_REPLACED = (None, "short", "medium")
DAY_PATTERNS = {"vi": DAY_PATTERN}
MOMENT_PATTERNS = {"vi": f"HH:mm {DAY_PATTERN}"}


def _language() -> str:
    return str(get_locale() or "vi").split("_")[0]


def format_day(value: date | datetime | None, format: str | None = None) -> str:
    """A day (or the Vietnamese day of a stored UTC moment); the `dateformat` filter."""
    if value is None:
        return ""
    if format in _REPLACED:
        format = DAY_PATTERNS.get(_language(), format or "medium")
    return format_date(value, format)


def format_moment(value: datetime | None, format: str | None = None) -> str:
    """A moment with its time of day; the `datetimeformat` filter."""
    if value is None:
        return ""
    if format in _REPLACED:
        format = MOMENT_PATTERNS.get(_language(), format or "medium")
    return format_datetime(value, format)
