"""One-time keys of creating forms (the idempotency-key pattern).

A creating form carries a random key from the moment it is rendered. The service that creates
claims the key in the same transaction as what it creates, so the same form sent twice (a
double tap, a phone resending) finds the claim and returns the first result instead of making
a second record. Rows are only needed while a duplicate can still arrive: they are pruned
after a day (`services/submissions.KEEP_FOR`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db


class FormSubmission(db.Model):
    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint is the whole mechanism: of two racing duplicates one insert wins.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    # What the key was claimed for, target included ("volume.bind:unit:3:2026"): a key sent
    # to another action or by another person is not that action's duplicate.
    action: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    result_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
