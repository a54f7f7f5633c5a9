"""ELEARN_REDIS_URL puts the cache and the rate-limit counts in Redis; without it the embedded
per-worker defaults stay. The proof with several real servers is tests/test_stack.py."""
from __future__ import annotations

from elearn.extensions import cache, limiter

REDIS = "redis://127.0.0.1:6390/0"


def test_without_redis_the_cache_and_limits_stay_in_the_worker(make_app):
    app = make_app()
    assert app.config["CACHE_TYPE"] == "SimpleCache"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    with app.app_context():
        assert type(cache.cache).__name__ == "SimpleCache"


def test_with_redis_the_cache_and_limits_are_shared(make_app):
    app = make_app(REDIS_URL=REDIS)
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS
    assert app.config["CACHE_REDIS_URL"] == REDIS
    with app.app_context():
        assert type(cache.cache).__name__ == "RedisCache"
    assert type(limiter.storage).__name__ == "RedisStorage"


def test_an_explicit_limit_storage_is_kept(make_app):
    app = make_app(REDIS_URL=REDIS, RATELIMIT_STORAGE_URI="redis://10.0.0.9:6379/2")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://10.0.0.9:6379/2"


def test_the_host_header_is_sent_only_when_asked_for(make_app):
    plain = make_app().test_client().get("/login")
    assert plain.status_code == 200 and "X-Elearn-Host" not in plain.headers
    named = make_app(ANNOUNCE_HOST="app7").test_client().get("/login")
    assert named.headers["X-Elearn-Host"] == "app7"


def test_redis_out_of_reach_costs_a_recomputation_not_an_error_page(make_app):
    from elearn.extensions import db
    from elearn.services import reports
    from elearn.services.orgs import create_unit

    # Nothing listens on this port: the cache and the limit counts cannot be reached.
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", DASHBOARD_CACHE_SECONDS=60)
    with app.app_context():
        unit = create_unit("P", "Tỉnh", "province")
        db.session.commit()
        board = reports.cached_dashboard(unit, course=None, year=2026)
        assert board.unit.code == "P" and board.total.people == 0
    answer = app.test_client().get("/api/v1/verify/KHONG-CO")
    assert answer.status_code == 400, answer.status_code
