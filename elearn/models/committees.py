"""Party committees as data: who sits on the committee (cấp ủy / chi ủy) of a unit, and in
which ranked position. The standing committee (ban thường vụ) and its standing office (thường
trực) are derived from the positions, so they can never disagree with the seats."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .org import Unit


class Position(StrEnum):
    """Ranked: a lower rank files first ("trên trước, dưới sau")."""

    SECRETARY = "secretary"                  # bí thư
    DEPUTY = "deputy_secretary"              # phó bí thư
    STANDING = "standing_member"             # ủy viên ban thường vụ
    MEMBER = "member"                        # cấp ủy viên / chi ủy viên

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def in_standing_office(self) -> bool:
        """Thường trực cấp ủy: the secretary and the deputies."""
        return self in (Position.SECRETARY, Position.DEPUTY)

    @property
    def in_standing_committee(self) -> bool:
        return self is not Position.MEMBER


_RANKS = {Position.SECRETARY: 1, Position.DEPUTY: 2, Position.STANDING: 3, Position.MEMBER: 4}


class CommitteeSeat(db.Model):
    __tablename__ = "committee_seats"
    __table_args__ = (UniqueConstraint("unit_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")  # with the seats, as RoleGrant.unit
    # "User" by name: models/people.py imports this module for User.seats.
    user: Mapped["User"] = relationship(back_populates="seats")  # noqa: F821

    @property
    def rank(self) -> int:
        return Position(self.position).rank
