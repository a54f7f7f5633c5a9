"""In-app notifications and each person's notification preferences.

A notification stores its kind and parameters, not its text: the text is rendered when it is
read, in the reader's language, so a language change applies to old notifications too.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    # One row per (change, person): a redelivered event or a repeated reminder makes none.
    __table_args__ = (UniqueConstraint("key", "user_id"),
                      Index("ix_notifications_unread", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class NotificationPreference(db.Model):
    """One row per person who changed the defaults (everything on, in-app, site language)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kinds_off: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Per kind, the channels beyond in-app the person chose or refused: {kind: {channel: on}}.
    # A kind or channel not in it (a new one, or never saved) follows the defaults
    # (notifications/choices.py), so installing a channel needs no data change.
    channels: Mapped[dict[str, dict[str, bool]]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="")
    # Quiet hours in Vietnam time, "HH:MM"; empty: none. Channels that interrupt wait them out.
    quiet_start: Mapped[str] = mapped_column(String(5), default="")
    quiet_end: Mapped[str] = mapped_column(String(5), default="")
