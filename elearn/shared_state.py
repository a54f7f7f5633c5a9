"""State the app servers share when there are several: the cache and the rate-limit counts.

With ELEARN_REDIS_URL set, Flask-Caching's RedisCache and Flask-Limiter's Redis storage
make every worker on every host see the same cached figures and the same counts. Without
it, the embedded defaults stay: Flask-Caching's SimpleCache and Flask-Limiter's memory
storage, both per worker process. That is acceptable for one host with a few gunicorn
workers: a cached dashboard is at most DASHBOARD_CACHE_SECONDS old in any worker (each
worker computes it once per period, a few queries instead of one), and a per-address lookup
limit per worker only multiplies by the worker count, which the setting can allow for.
"""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

from flask import Flask, Response
from redis.exceptions import RedisError

from .extensions import cache

HOST_HEADER = "X-Elearn-Host"
T = TypeVar("T")
log = logging.getLogger(__name__)


def configure(config: dict) -> None:
    """Fill in the cache and limiter settings from REDIS_URL (called by config.finalise);
    explicit CACHE_* / RATELIMIT_STORAGE_URI settings win."""
    redis_url = config.get("REDIS_URL")
    if redis_url:
        config.setdefault("CACHE_TYPE", "RedisCache")
        config.setdefault("CACHE_REDIS_URL", redis_url)
        if config.get("RATELIMIT_STORAGE_URI") in (None, "memory://"):
            config["RATELIMIT_STORAGE_URI"] = redis_url
        # Redis down: count per worker for a while rather than fail every public lookup.
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    else:
        config.setdefault("CACHE_TYPE", "SimpleCache")
        config.setdefault("CACHE_THRESHOLD", 10_000)
    # One Redis may serve several installations (staging next to production).
    config.setdefault("CACHE_KEY_PREFIX", "elearn:")


def remembered(key: str, seconds: int, compute: Callable[[], T]) -> T:
    """`compute()`, reused from the cache for `seconds`. The cache only saves work: when its
    server cannot be reached the value is computed (and a warning logged), not an error."""
    try:
        value = cache.get(key)
    except (RedisError, OSError) as error:
        log.warning("cache unavailable, computing %s: %s", key, error)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=seconds)
        except (RedisError, OSError) as error:
            log.warning("cache unavailable, not storing %s: %s", key, error)
    return value


def announce_host(app: Flask) -> None:
    """With ANNOUNCE_HOST set (e.g. "app1"), every response names the server that answered
    it: for checking a load balancer spreads the traffic. Off by default (it tells the
    public about the deployment)."""
    name = app.config.get("ANNOUNCE_HOST")
    if not name:
        return

    @app.after_request
    def _name_host(response: Response) -> Response:
        response.headers[HOST_HEADER] = name
        return response
