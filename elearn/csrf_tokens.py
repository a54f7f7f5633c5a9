"""The CSRF token pages print in their forms: Flask-WTF's, signed again only every few minutes.

Every page has at least one form (the header's language switch), so every page view signed the
session's CSRF secret anew: ~20 µs, two per cent of a lesson page under load (bench/README.md).
A token is valid for WTF_CSRF_TIME_LIMIT (eight hours) from its signing, so one signed a few
minutes earlier is as good; reusing it for up to REUSE_SECONDS shortens that by at most as
much. The token is still Flask-WTF's own (`generate_csrf`), checked by Flask-WTF as before.
A form object's CSRF field asks Flask-WTF itself, which reuses a token this request already
has (the header's forms come first on a page) or signs one.
"""
from __future__ import annotations

import time
from functools import lru_cache

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

REUSE_SECONDS = 300
FIELD = "csrf_token"  # Flask-WTF's default WTF_CSRF_FIELD_NAME, which elearn keeps


def page_csrf_token() -> str:
    """Template global `csrf_token()`: this session's signed token, reused for a while."""
    signed = g.get(FIELD)
    if signed is not None:
        return signed
    secret = session.get(FIELD)
    if not isinstance(secret, str):  # no token yet in this session: Flask-WTF makes one
        return generate_csrf()
    signed = _signed(current_app.secret_key, secret, int(time.time() // REUSE_SECONDS))
    setattr(g, FIELD, signed)
    return signed


@lru_cache(maxsize=4096)  # ~1 MB: the sessions active in the last few minutes
def _signed(_app_key: str | bytes, _secret: str, _window: int) -> str:
    # Flask-WTF signs the session's secret (what `_secret` is) with the app's key; both are
    # in the cache key so that another app or another session's secret is signed anew.
    g.pop(FIELD, None)
    return generate_csrf()
