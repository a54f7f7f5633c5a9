"""Per-unit counters behind the national dashboards (see `services/counters.py` for the rules)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class UnitCounter(db.Model):
    """How many of a unit's own (directly attached, active) members a figure counts.

    `year` is 0 for figures that do not depend on a plan year, `course_slug` is "" for
    figures over every course, `audience` is the members' audience (the dashboard sums
    the audiences it shows). Missing rows are zeros."""

    __tablename__ = "unit_counters"
    __table_args__ = (
        # The dashboard reads one figure set (year, course) for many units at once.
        Index("ix_unit_counters_year_course_unit", "year", "course_slug", "unit_id"),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"),
                                         primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    audience: Mapped[str] = mapped_column(String(16), primary_key=True)
    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
