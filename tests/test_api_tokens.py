"""API tokens: made on the profile and admin pages, used as `Authorization: Bearer elt_…` on
/api/ only; expiry, revocation, scopes, hashing at rest, the per-token rate limit, the audit
log, and duplicates through a real server; on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, text

from elearn.clock import utcnow
from elearn.testing import Browser, csrf_token, race, serve, signed_in_client
from kit import PASSWORD, build_centre, complete


def _service():
    from elearn.services import api_tokens
    return api_tokens


def make_token(app, username="hoc.vien", scopes=("read:me",), days=30) -> str:
    with app.app_context():
        from elearn.services.accounts import find_user
        made = _service().create_personal(find_user(username), name="script",
                                          scopes=list(scopes),
                                          expires_at=utcnow() + timedelta(days=days))
        return made.secret


def bearer(secret: str, language: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    if language:
        headers["Cookie"] = f"lang={language}"
    return headers


def audit_actions(app, prefix="api_token.") -> list[str]:
    with app.app_context():
        from elearn.extensions import db
        from elearn.models import AuditEntry
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.startswith(prefix)).order_by(AuditEntry.seq)))


def test_a_token_reads_my_data_until_it_expires(make_app, clock):
    app = make_app()
    with app.app_context():
        build_centre()
        complete("hoc.vien")
    secret = make_token(app, days=30)
    client = app.test_client()
    answer = client.get("/api/v1/me/completions", headers=bearer(secret))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["total"] == 1
    assert "Set-Cookie" not in answer.headers  # a token request starts no session
    clock.advance(31 * 24 * 3600)
    expired = client.get("/api/v1/me/completions", headers=bearer(secret, "en"))
    assert expired.status_code == 401
    assert expired.mimetype == "application/problem+json"
    assert expired.get_json()["detail"] == "This API token has expired."


def test_revoked_unknown_and_malformed_tokens_are_401_in_the_callers_language(make_app):
    app = make_app()
    with app.app_context():
        build_centre()
    secret = make_token(app)
    client = app.test_client()
    assert client.get("/api/v1/me/courses", headers=bearer(secret)).status_code == 200
    with app.app_context():
        from elearn.services.accounts import find_user
        token = _service().tokens_of(find_user("hoc.vien"))[0]
        assert _service().revoke(token, find_user("hoc.vien")) is True
    revoked = client.get("/api/v1/me/courses", headers=bearer(secret))
    assert revoked.status_code == 401
    assert revoked.get_json()["detail"] == "Mã truy cập API này đã bị thu hồi."
    unknown = client.get("/api/v1/me/courses", headers=bearer("elt_" + "x" * 43, "en"))
    assert unknown.status_code == 401
    assert unknown.get_json()["detail"] == "This API token is not valid."
    assert client.get("/api/v1/me/courses", headers=bearer("", "en")).status_code == 401


def test_a_token_without_the_scope_gets_403_naming_it(centre):
    secret = make_token(centre, "ttct", scopes=("read:me",))
    answer = centre.test_client().get("/api/v1/completions", headers=bearer(secret, "en"))
    assert answer.status_code == 403
    assert "read:completions" in answer.get_json()["detail"]
    allowed = make_token(centre, "ttct", scopes=("read:completions",))
    assert centre.test_client().get("/api/v1/completions",
                                    headers=bearer(allowed)).status_code == 200


def test_the_pages_role_checks_still_apply_to_the_tokens_person(centre):
    secret = make_token(centre, "hoc.vien", scopes=("read:completions",))
    assert centre.test_client().get("/api/v1/completions",
                                    headers=bearer(secret)).status_code == 403


def test_a_token_opens_no_page_and_a_bearer_header_beats_the_cookie(centre):
    secret = make_token(centre)
    client = centre.test_client()
    # Pages ignore the header: not signed in, sent to the sign-in page.
    assert client.get("/profile/", headers=bearer(secret)).status_code == 302
    # Signed in by cookie as the verifier, a Bearer request acts as the token's person only.
    verifier = signed_in_client(centre, "ttct", PASSWORD)
    assert verifier.get("/api/v1/completions").status_code == 200
    assert verifier.get("/api/v1/completions", headers=bearer(secret)).status_code == 403


def test_only_the_hash_is_stored(centre):
    secret = make_token(centre)
    with centre.app_context():
        from elearn.extensions import db
        from elearn.models import ApiToken
        token = db.session.scalar(select(ApiToken))
        assert token.secret_hash != secret and len(token.secret_hash) == 64
        assert secret.startswith(token.prefix) and len(token.prefix) == 12
        for table in ("api_tokens", "audit_log", "form_submissions"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
            assert secret not in repr(rows) and secret[4:] not in repr(rows)


def test_use_is_audited_once_per_hour_and_last_used_is_kept(make_app, clock):
    app = make_app()
    with app.app_context():
        build_centre()
    secret = make_token(app)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/me/courses", headers=bearer(secret)).status_code == 200
    assert audit_actions(app) == ["api_token.created", "api_token.used"]
    clock.advance(3600)
    assert client.get("/api/v1/me/courses", headers=bearer(secret)).status_code == 200
    assert audit_actions(app) == ["api_token.created", "api_token.used", "api_token.used"]
    with app.app_context():
        from elearn.services.accounts import find_user
        token = _service().tokens_of(find_user("hoc.vien"))[0]
        assert token.last_used_at is not None
        assert utcnow() - token.last_used_at < timedelta(minutes=2)


def test_each_token_has_its_own_rate_limit(make_app):
    app = make_app(API_TOKEN_RATE_LIMIT="3 per minute")
    with app.app_context():
        build_centre()
    first, second = make_token(app), make_token(app)
    client = app.test_client()
    statuses = [client.get("/api/v1/me/courses", headers=bearer(first)).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/me/courses", headers=bearer(first, "en"))
    assert limited.mimetype == "application/problem+json"
    assert client.get("/api/v1/me/courses", headers=bearer(second)).status_code == 200
    # The cookie sign-in is not counted against tokens.
    cookie = signed_in_client(app, "hoc.vien", PASSWORD)
    assert cookie.get("/api/v1/me/courses").status_code == 200


def test_a_bad_rate_limit_setting_stops_the_start_with_one_clear_line(make_app):
    import pytest
    with pytest.raises(ValueError, match="ELEARN_API_TOKEN_RATE_LIMIT"):
        make_app(API_TOKEN_RATE_LIMIT="lots")
