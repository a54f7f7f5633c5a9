"""The organisation tree: a generic parent/child tree of units with a materialised path."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db


class Unit(db.Model):
    """Any organisation unit: province, district, grassroots organisation, cell, college, class…

    `level` is a free label, never a fixed number of tiers. `path` ("/1/7/42/") makes a
    subtree one indexed prefix query.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Byte-order collation on PostgreSQL so a subtree is one index range scan (see orgs.py).
    path: Mapped[str] = mapped_column(
        String(1024).with_variant(String(1024, collation="C"), "postgresql"),
        index=True, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The id member-management software knows the unit by (API v1 sync); None for units
    # made on the site. A unit is deactivated, never deleted: its people's records stay.
    external_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    parent: Mapped["Unit | None"] = relationship(remote_side=[id])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2  # "/1/" is depth 0

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
