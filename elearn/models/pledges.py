"""Study plans, pledges (bản đăng ký học tập và làm theo) with every filed version, year-end
assessment, and committees' inspection records."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .org import Unit
from .people import User


class PledgeStatus(StrEnum):
    DRAFT = "draft"
    FILED = "filed"
    RETURNED = "returned"
    ACKNOWLEDGED = "acknowledged"
    SELF_ASSESSED = "self_assessed"
    ASSESSED = "assessed"


# The groups of statuses the rules ask about, defined here once.
EDITABLE = (PledgeStatus.DRAFT, PledgeStatus.RETURNED)
"""The person may still change and file the pledge."""
ACKNOWLEDGED_OR_LATER = (PledgeStatus.ACKNOWLEDGED, PledgeStatus.SELF_ASSESSED,
                         PledgeStatus.ASSESSED)
"""The reviewing committee accepted the pledge."""
FILED_OR_LATER = (PledgeStatus.FILED, *ACKNOWLEDGED_OR_LATER)
"""Filed for review, whatever happened since (a returned pledge is back with its author)."""


class StudyPlan(db.Model):
    """Which courses must be completed before a pledge can be filed, for whom, by when."""

    __tablename__ = "study_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    audience: Mapped[str] = mapped_column(String(16), default="cadre")  # cadre | student | all
    courses: Mapped[str] = mapped_column(Text, default="[]")    # JSON list of course slugs
    deadline: Mapped[date]
    superiors_first: Mapped[bool] = mapped_column(default=True)
    # "Trong trước, ngoài sau": party members of a unit file before its other cadres.
    inside_first: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Which study counts for this year: completions issued on or after this day, and at least
    # these course versions (JSON {slug: "2.0"}); neither set = any valid completion.
    study_since: Mapped[date | None]
    min_versions: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    template: Mapped[str] = mapped_column(Text)                 # YAML: sections and commitment
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()


class DeadlineExtension(db.Model):
    """An officer's later deadline for one unit's subtree."""

    __tablename__ = "deadline_extensions"
    __table_args__ = (UniqueConstraint("plan_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    deadline: Mapped[date]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()


class Pledge(db.Model):
    __tablename__ = "pledges"
    __table_args__ = (
        UniqueConstraint("user_id", "plan_id"),
        Index("ix_pledges_review_unit_status", "review_unit_id", "status"),
        # Covers the dashboards' "filed / acknowledged / assessed" per person and year.
        Index("ix_pledges_year_user_status", "year", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id"), index=True)
    year: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=PledgeStatus.DRAFT)
    draft: Mapped[str] = mapped_column(Text, default="{}")       # JSON: section -> commitments
    draft_saved_at: Mapped[datetime | None]
    # The commitment on the 27 manifestations as drafted: {"accepted": bool,
    # "manifestations": [{"id": "B4", "guard": "…"}]}.
    draft_commitment: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    review_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Which body of that unit's committee receives it (services/committees.py ReviewBody).
    review_body: Mapped[str | None] = mapped_column(String(16))
    filed_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    self_assessment: Mapped[str] = mapped_column(Text, default="{}")
    rating: Mapped[str | None] = mapped_column(String(32))
    rating_comment: Mapped[str] = mapped_column(String(1000), default="")
    assessed_at: Mapped[datetime | None]
    is_published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    plan: Mapped[StudyPlan] = relationship()
    review_unit: Mapped[Unit | None] = relationship()
    versions: Mapped[list["PledgeVersion"]] = relationship(
        back_populates="pledge", order_by="PledgeVersion.number")

    @property
    def locked(self) -> bool:
        return self.status == PledgeStatus.ASSESSED


class PledgeVersion(db.Model):
    """Each filing is kept as it was sent, with the reviewer's answer to it."""

    __tablename__ = "pledge_versions"
    __table_args__ = (UniqueConstraint("pledge_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    number: Mapped[int]
    content: Mapped[str] = mapped_column(Text)
    # As filed: the commitment text accepted ({"vi": …, "en": …}) and the manifestations chosen
    # as most relevant to the person's post, each with its guard measure (JSON list).
    commitment: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    manifestations: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(16))   # returned | acknowledged
    comment: Mapped[str] = mapped_column(String(1000), default="")
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    pledge: Mapped[Pledge] = relationship(back_populates="versions")


class Inspection(db.Model):
    """A committee's inspection or supervision of a unit, and what came of it."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    inspected_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="inspection")  # or supervision
    held_on: Mapped[date]
    scope: Mapped[str] = mapped_column(String(1000))
    findings: Mapped[str] = mapped_column(Text, default="")
    corrections: Mapped[str] = mapped_column(Text, default="")
    follow_up_done: Mapped[bool] = mapped_column(default=False)
    follow_up_note: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    committee_unit: Mapped[Unit] = relationship(foreign_keys=[committee_unit_id])
    inspected_unit: Mapped[Unit] = relationship(foreign_keys=[inspected_unit_id])
