"""People, their sessions, the roles they hold on units (a role holds for the unit's whole
subtree), the units they have belonged to, and the invitations that let them join."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .org import Unit

if TYPE_CHECKING:
    from .committees import CommitteeSeat


class Role(StrEnum):
    LEARNER = "learner"
    REVIEWER = "reviewer"
    VERIFIER = "verifier"
    AUTHOR = "author"
    OFFICER = "officer"
    INSPECTOR = "inspector"
    ADMIN = "admin"


class PersonAudience(StrEnum):
    """Which group of learners a person belongs to; a course's `content.model.CourseAudience`
    says which group it is for."""

    CADRE = "cadre"
    STUDENT = "student"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    position: Mapped[str] = mapped_column(String(200), default="")
    audience: Mapped[str] = mapped_column(String(16), default=PersonAudience.CADRE)
    is_party_member: Mapped[bool] = mapped_column(default=True)
    # Leaders' (key cadres') pledges may be published for public supervision.
    is_leader: Mapped[bool] = mapped_column(default=False, server_default=false())
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    grants: Mapped[list["RoleGrant"]] = relationship(back_populates="user",
                                                      cascade="all, delete-orphan",
                                                      foreign_keys="RoleGrant.user_id")
    # Committee seats (models/committees.py): a seat gives reviewer rights on its unit.
    seats: Mapped[list["CommitteeSeat"]] = relationship(back_populates="user",
                                                         cascade="all, delete-orphan")
    # Set per request by the session loader: which sign-in this request belongs to.
    session_token = None  # str | None; not a column
    request_locale = None  # str | None; the language chosen, as read when the request began ("" none)
    # (role, unit path) pairs held, grants and committee seats (as reviewer), as read when the
    # request began: permission checks need no grant or seat objects (security.held_paths).
    request_held_paths = None  # tuple[tuple[str, str], ...] | None
    # The plugins' header figures (hook `header_figures`), read with the sign-in.
    request_figures = None  # dict[str, Any] | None

    @staticmethod
    def held_paths_from(grants: str | None, seat_paths: str | None
                        ) -> tuple[tuple[str, str], ...]:
        """The session query's comma-joined "role:path" grants and seat paths, as pairs."""
        pairs = [tuple(item.split(":", 1)) for item in (grants or "").split(",") if item]
        pairs += [(Role.REVIEWER.value, path) for path in (seat_paths or "").split(",") if path]
        return tuple(pairs)

    @property
    def role_names(self) -> frozenset[str]:
        """The roles held anywhere (a committee seat is the reviewer role), for menus only:
        permission checks read them with their units' paths (`security.held_paths`)."""
        if self.request_held_paths is not None:
            return frozenset(role for role, _path in self.request_held_paths)
        return frozenset({grant.role for grant in self.grants}
                         | ({Role.REVIEWER.value} if self.seats else set()))

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated people cannot sign in
        return self.active

    # UserMixin compares people by get_id(), which is None for everyone not signed in on this
    # request: every such person would equal every other. A row is one object per session.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def get_id(self) -> str | None:
        # Flask-Login stores this in the cookie: a revocable per-sign-in token, not the id,
        # so signing out (or an admin deactivating someone) really ends the session.
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleGrant(db.Model):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    # Joined: reading a person's grants (permission checks) brings their units in the same
    # query, not one more query per grant.
    unit: Mapped[Unit] = relationship(lazy="joined")


class UserSession(db.Model):
    """One sign-in on one device. Deleting the row signs that device out."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship()


class UnitMembership(db.Model):
    """Where a person has belonged, so moving them keeps their history."""

    __tablename__ = "unit_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    position: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()


class Invitation(db.Model):
    """A code that lets people join a unit by themselves, until it expires or is used up."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    audience: Mapped[str] = mapped_column(String(16), default=PersonAudience.CADRE)
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()


class ThrottleEvent(db.Model):
    """A counted event (failed sign-in, verification lookup) for rate limits shared by every
    worker and host: the app keeps no state in memory."""

    __tablename__ = "throttle_events"
    __table_args__ = (Index("ix_throttle_events_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ThrottleCounter(db.Model):
    """One row per limited thing (an account's sign-ins, an address's failures): the count in
    the current window, changed only by single conditional UPDATEs so concurrent requests
    on every worker and host cannot slip past the limit together."""

    __tablename__ = "throttle_counters"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_throttle_counters_scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    # When the last attempt was let through (for "one attempt every N seconds" slow-downs).
    last_at: Mapped[datetime] = mapped_column(default=utcnow)

