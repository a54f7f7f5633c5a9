"""Reading an API token from a request, and the rate-limit key for it.

Kept free of the app's other modules: the limiter (in `extensions`) needs the key function
before anything else exists. Only requests under /api/ are read: pages never accept a token.
"""
from __future__ import annotations

import hashlib

from flask import current_app, request

TOKEN_PREFIX = "elt_"
# The closed set of scopes a token can carry (what each means: services/api_tokens.SCOPES).
SCOPE_NAMES = ("read:me", "read:completions", "write:completions", "read:people",
               "write:people", "read:reports")
API_PATH = "/api/"


def presented_secret() -> str | None:
    """The token of `Authorization: Bearer …` on an /api/ request, else None (also for a
    header that is not a Bearer one: such a request is simply not token-authenticated)."""
    if not request.path.startswith(API_PATH):
        return None
    scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def digest(secret: str) -> str:
    """How a secret is stored and looked up: its SHA-256 (the secret itself is never kept)."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def rate_key() -> str:
    """Flask-Limiter's key for a token request: the token (its digest identifies it without a
    database lookup), so each token has its own budget wherever it is used from."""
    secret = presented_secret()
    return f"api-token:{digest(secret)}" if secret else "api-token:none"


def without_token() -> bool:
    """The per-token limit does not apply to requests without a token."""
    return presented_secret() is None


def token_rate_limit() -> str:
    return str(current_app.config["API_TOKEN_RATE_LIMIT"])
