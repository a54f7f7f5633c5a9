"""Identifiers other systems know a person by (party card number, citizen ID).

One row per person and kind; a value belongs to one person only (unique per kind). Kept out of
`users` so that reading a person never loads them: only the identifiers service reads them,
and it decides who sees them whole."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db


class PersonIdentifier(db.Model):
    __tablename__ = "person_identifiers"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        UniqueConstraint("kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    # Room for a single sign-on subject with its issuer ("<issuer> <sub>", kind "oidc").
    value: Mapped[str] = mapped_column(String(512))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
