"""Default plugin: sign-in with the local, scrypt-hashed password (asked last)."""
from __future__ import annotations

from .. import hookimpl
from ..models import User
from ..services.accounts import authenticate_local


@hookimpl(trylast=True)
def authenticate(identifier: str, secret: str) -> User | None:
    return authenticate_local(identifier, secret)
