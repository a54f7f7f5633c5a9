"""The one clock: naive UTC for storage, Asia/Ho_Chi_Minh for everything a person sees.

Rows store naive UTC (the same on SQLite and PostgreSQL). Pages format through Flask-Babel
(BABEL_DEFAULT_TIMEZONE); exports and the API use `local_date` / `iso_local` from here so a
pledge filed on 2 December in Vietnam never reads 1 December in a spreadsheet.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# How a day is written on paper in Vietnam (31/12/2026), for documents and files.
DAY_PATTERN = "dd/MM/yyyy"


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL; localised only for display."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """A stored naive-UTC moment as an aware Vietnam time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_ZONE)


def local_date(moment: datetime | None) -> date | None:
    return to_local(moment).date() if moment is not None else None


def local_today() -> date:
    """Today in Vietnam: deadlines and plan years are Vietnamese calendar days."""
    return datetime.now(LOCAL_ZONE).date()


def iso_local(moment: datetime | None) -> str:
    """ISO 8601 with the +07:00 offset, for exports and the API ("" for no moment)."""
    return to_local(moment).isoformat(timespec="seconds") if moment is not None else ""
