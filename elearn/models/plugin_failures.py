"""Recent failures of plugin code, kept per plugin for /admin/plugins.

In the database, not in memory: every worker process writes here, and the admin page shows
what happened in any of them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db


class PluginFailureEntry(db.Model):
    __tablename__ = "plugin_failures"
    __table_args__ = (Index("ix_plugin_failures_plugin_id", "plugin", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(500))
    error: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
