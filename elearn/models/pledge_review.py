"""What committees do with filed pledges during the year: cell meetings with per-person
check-ins, bound volumes for circulation, the year's breakthrough content, and exemplars."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .org import Unit
from .people import User
from .pledges import Pledge

meeting_attendees = Table(
    "meeting_attendees", db.metadata,
    Column("meeting_id", ForeignKey("cell_meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class CellMeeting(db.Model):
    """A regular cell meeting (sinh hoạt chi bộ) where pledges were reviewed."""

    __tablename__ = "cell_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    held_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One submission makes one meeting, however often the form is sent.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    unit: Mapped[Unit] = relationship()
    attendees: Mapped[list[User]] = relationship(secondary=meeting_attendees,
                                                 order_by=User.full_name)
    checkins: Mapped[list["PledgeCheckin"]] = relationship(back_populates="meeting",
                                                           cascade="all, delete-orphan")


class PledgeCheckin(db.Model):
    """How one person's pledge stood at one meeting."""

    __tablename__ = "pledge_checkins"
    __table_args__ = (UniqueConstraint("meeting_id", "pledge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("cell_meetings.id", ondelete="CASCADE"))
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    progress: Mapped[str] = mapped_column(String(16))    # on_track | behind
    comment: Mapped[str] = mapped_column(String(1000), default="")

    meeting: Mapped[CellMeeting] = relationship(back_populates="checkins")
    pledge: Mapped[Pledge] = relationship()


class PledgeVolume(db.Model):
    """A committee's pledges bound on a day, for every member to supervise: which version of
    which pledge went in is kept, so the volume reads the same whenever it is opened."""

    __tablename__ = "pledge_volumes"
    __table_args__ = (Index("ix_pledge_volumes_unit_year", "unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    bound_at: Mapped[datetime] = mapped_column(default=utcnow)
    bound_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entries: Mapped[str] = mapped_column(Text, default="[]")   # JSON [[pledge_id, version], …]

    unit: Mapped[Unit] = relationship()


class Breakthrough(db.Model):
    """Nội dung đột phá: the one thing a committee asks its unit to push hardest this year."""

    __tablename__ = "breakthroughs"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()


class ExemplarStatus:
    NOMINATED = "nominated"
    APPROVED = "approved"
    REJECTED = "rejected"


class Exemplar(db.Model):
    """Điển hình tiêu biểu: a person or collective nominated by their committee and approved
    by the level above."""

    __tablename__ = "exemplars"
    __table_args__ = (Index("ix_exemplars_unit_year", "unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(16))            # person | collective
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ExemplarStatus.NOMINATED)
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(1000), default="")

    unit: Mapped[Unit] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
