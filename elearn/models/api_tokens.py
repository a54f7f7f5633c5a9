"""API tokens: personal access tokens and service tokens (GitHub/GitLab PATs are the model).

Only the SHA-256 of the secret is kept: a stolen database holds no usable token. The secret is
256 random bits, so a plain hash (no salt, no slow KDF) is enough and lets a request find its
token by one indexed lookup (the comparison happens in the index, not byte by byte in Python).
`prefix` is the secret's first characters, shown in lists so people can tell tokens apart.

A personal token acts as its owner. A service token acts as a service account: a `users` row
made for it by an admin, living in the unit the admin chose and holding only the roles the admin
picked (`kind` tells the two apart). Either way the pages' role and scope checks apply to that
person, and the token's `scopes` further narrow what the API lets it do.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .people import User


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "personal" or "service"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, from SCOPES
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    # The hour whose first use was written to the audit log (one entry per token per hour).
    use_audited_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()
