"""Revision stamps: one row per cached answer family, changed by every write that answer shows."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class CacheRevision(db.Model):
    """`value` is a fresh random string after each relevant change (see
    `services/verify_revision.py`): random, not a counter, so a restored backup can never bring
    back a number that a later, different state was cached under."""

    __tablename__ = "cache_revisions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(32))
