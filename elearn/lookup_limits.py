"""Per-address limits on public look-ups (the verification page and API).

Counted with Flask-Limiter's own rate-limiting strategy and storage (`limiter.limiter`: the
`limits` library, in memory or in Redis with ELEARN_REDIS_URL, so every server sees the same
counts), but not through its `limit` decorator. That decorator works out, on every request,
which of all the kinds of limit it supports apply to the view (default, blueprint, meta,
exempt, per method); for one fixed limit per view that cost 0.1 ms, a sixth of a remembered
look-up, the busiest public route (bench/floor.py). Counting it here costs one storage call
and one more for the headers.

The answer carries the limiter's X-RateLimit-* headers (RATELIMIT_HEADERS_ENABLED), and
Retry-After when it is refused with a 429. When the shared storage cannot be reached the look-up
is counted in this process instead (as Flask-Limiter's in-memory fallback does), never refused
for it.
"""
from __future__ import annotations

import logging
import time
from functools import lru_cache, wraps
from typing import Any, Callable

from flask import Flask, Response, abort, current_app, g
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from redis.exceptions import RedisError

from .extensions import limiter

log = logging.getLogger(__name__)
_WINDOW = "elearn_lookup_window"
_FALLBACK = "elearn.lookup_fallback"


@lru_cache(maxsize=32)
def _parsed(text: str) -> RateLimitItem:
    return parse(text)


def rate_limited(limit: Callable[[], str], *, scope: str) -> Callable:
    """Refuse a view with 429 once an address has used `limit()` (e.g. "30/minute") of it,
    counted together for every view of the same `scope`."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def counted(*args: Any, **kwargs: Any) -> Any:
            _count(_parsed(limit()), scope)
            return view(*args, **kwargs)
        return counted
    return decorate


def _count(item: RateLimitItem, scope: str) -> None:
    if not limiter.enabled:
        return
    key = get_remote_address()
    try:
        allowed, window = _hit(limiter.limiter, item, scope, key)
    except (RedisError, StorageError, OSError) as error:
        log.warning("rate-limit storage unavailable, counting %s in this process: %s",
                    scope, error)
        allowed, window = _hit(current_app.extensions[_FALLBACK], item, scope, key)
    if window is not None:
        reset_at, remaining = window
        g.setdefault(_WINDOW, (item.amount, remaining, int(reset_at), allowed))
    if not allowed:
        abort(429)


def _hit(strategy: RateLimiter, item: RateLimitItem, scope: str,
         key: str) -> tuple[bool, tuple[float, int] | None]:
    """Count one look-up; the window's (reset time, remaining) only when the headers will show
    them (a second storage call: a Redis round trip)."""
    allowed = strategy.hit(item, scope, key)
    if not current_app.config.get("RATELIMIT_HEADERS_ENABLED"):
        return allowed, None
    return allowed, tuple(strategy.get_window_stats(item, scope, key))  # type: ignore[return-value]


def _headers(response: Response) -> Response:
    window = g.get(_WINDOW)
    if window is None:
        return response
    amount, remaining, reset_at, allowed = window  # only set when headers are enabled
    headers = response.headers
    headers.setdefault("X-RateLimit-Limit", str(amount))
    headers.setdefault("X-RateLimit-Remaining", str(remaining))
    headers.setdefault("X-RateLimit-Reset", str(reset_at))
    if not allowed:
        headers["Retry-After"] = str(max(1, reset_at - int(time.time())))
    return response


def init_app(app: Flask) -> None:
    app.extensions[_FALLBACK] = FixedWindowRateLimiter(MemoryStorage())
    app.after_request(_headers)
