"""Default plugin: sign-in with the local, scrypt-hashed password (asked last)."""
from __future__ import annotations

from ..api import User, authenticate_local, hookimpl


@hookimpl(trylast=True)
def authenticate(identifier: str, secret: str) -> User | None:
    return authenticate_local(identifier, secret)
