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


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def english(app):
    """A client whose caller reads English (the language cookie, as the pages set it)."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


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
    expired = english(app).get("/api/v1/me/completions", headers=bearer(secret))
    assert expired.status_code == 401
    assert expired.mimetype == "application/problem+json"
    assert expired.get_json()["detail"] == "This API token has expired."
    assert expired.headers["WWW-Authenticate"].startswith("Bearer ")


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
    unknown = english(app).get("/api/v1/me/courses", headers=bearer("elt_" + "x" * 43))
    assert unknown.status_code == 401
    assert unknown.get_json()["detail"] == "This API token is not valid."
    assert client.get("/api/v1/me/courses", headers=bearer("")).status_code == 401


def test_a_token_without_the_scope_gets_403_naming_it(centre):
    secret = make_token(centre, "ttct", scopes=("read:me",))
    answer = english(centre).get("/api/v1/completions", headers=bearer(secret))
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
        for table in ("api_tokens", "audit_entries", "form_submissions"):
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
    limited = client.get("/api/v1/me/courses", headers=bearer(first))
    assert limited.mimetype == "application/problem+json"
    assert client.get("/api/v1/me/courses", headers=bearer(second)).status_code == 200
    # The cookie sign-in is not counted against tokens.
    cookie = signed_in_client(app, "hoc.vien", PASSWORD)
    assert cookie.get("/api/v1/me/courses").status_code == 200


def test_a_bad_rate_limit_setting_stops_the_start_with_one_clear_line(make_app):
    import pytest
    with pytest.raises(ValueError, match="ELEARN_API_TOKEN_RATE_LIMIT"):
        make_app(API_TOKEN_RATE_LIMIT="lots")


# -- the pages --------------------------------------------------------------------------

SECRET = re.compile(r'<code class="code" id="new-token">(elt_[A-Za-z0-9_-]+)</code>')


def token_form(client, path: str, **fields) -> dict:
    html = client.get(path).get_data(as_text=True)
    key = re.search(r'name="request_key"[^>]*value="([^"]+)"', html)
    key = key or re.search(r'value="([^"]+)"[^>]*name="request_key"', html)
    return {"csrf_token": csrf_token(client, path), "request_key": key.group(1),
            "name": "báo cáo", "scopes": ["read:me"], "expires": "30", **fields}


def test_a_person_creates_uses_and_revokes_a_token_on_the_profile_page(centre):
    client = signed_in_client(centre, "hoc.vien", PASSWORD)
    assert "Mã truy cập API" in client.get("/profile/").get_data(as_text=True)
    created = client.post("/profile/tokens", data=token_form(client, "/profile/tokens"))
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    secret = SECRET.search(html).group(1)
    assert "chỉ hiện một lần" in html
    api = centre.test_client()
    assert api.get("/api/v1/me/courses", headers=bearer(secret)).status_code == 200
    listed = client.get("/profile/tokens").get_data(as_text=True)
    assert secret not in listed and secret[:12] in listed
    token_id = re.search(r"/profile/tokens/(\d+)/revoke", listed).group(1)
    confirm = client.get(f"/profile/tokens/{token_id}/revoke")
    assert confirm.status_code == 200 and "báo cáo" in confirm.get_data(as_text=True)
    # Without the CSRF token nothing happens.
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 400
    assert api.get("/api/v1/me/courses", headers=bearer(secret)).status_code == 200
    revoked = client.post(f"/profile/tokens/{token_id}/revoke",
                          data={"csrf_token": csrf_token(client, "/profile/tokens")})
    assert revoked.status_code == 303
    assert api.get("/api/v1/me/courses", headers=bearer(secret)).status_code == 401
    # Another person cannot see or revoke it.
    other = signed_in_client(centre, "ban.ngoai", PASSWORD)
    assert other.get(f"/profile/tokens/{token_id}/revoke").status_code == 404


def test_bad_token_forms_are_refused_with_a_message(centre):
    client = signed_in_client(centre, "hoc.vien", PASSWORD)
    for fields, message in (({"scopes": ["write:everything"]}, None),
                            ({"scopes": []}, None),
                            ({"expires": "date", "until": ""}, "Chọn ngày hết hạn."),
                            ({"expires": "date", "until": "2099-01-01"},
                             "Mã truy cập chỉ được có hiệu lực tối đa một năm."),
                            ({"name": ""}, None)):
        answer = client.post("/profile/tokens", data=token_form(client, "/profile/tokens",
                                                                **fields))
        assert answer.status_code == 400, fields
        if message:
            assert message in answer.get_data(as_text=True)
    assert SECRET.search(client.get("/profile/tokens").get_data(as_text=True)) is None


def test_an_admin_makes_a_service_token_bound_to_a_unit_and_roles(centre):
    with centre.app_context():
        from elearn.extensions import db
        from elearn.models import Role
        from elearn.services.accounts import create_user, grant_role
        from elearn.services.orgs import unit_by_code
        grant_role(create_user("qt.h", "Quản trị H", PASSWORD, unit_by_code("H")),
                   Role.ADMIN, unit_by_code("H"))
        db.session.commit()
        complete("hoc.vien")
        complete("ban.ngoai")
    admin = signed_in_client(centre, "qt.h", PASSWORD)
    refused = admin.post("/admin/tokens", data=token_form(
        admin, "/admin/tokens", unit_code="H", roles=["admin"], scopes=["read:completions"]))
    assert refused.status_code == 400
    outside = admin.post("/admin/tokens", data=token_form(
        admin, "/admin/tokens", unit_code="K", roles=["verifier"], scopes=["read:completions"]))
    assert outside.status_code == 400
    # A sync service (member-management software) may act as the unit's admin, but only
    # through the people and units sync: its token carries nothing else.
    sync = admin.post("/admin/tokens", data=token_form(
        admin, "/admin/tokens", unit_code="H", roles=["admin"], scopes=["write:people"],
        expires="30"))
    assert sync.status_code == 201
    sync_secret = SECRET.search(sync.get_data(as_text=True)).group(1)
    api = centre.test_client()
    person = {"username": "dong.bo", "full_name": "Lê Văn Đồng Bộ", "unit": "H",
              "position": "Đảng viên", "email": "dong.bo@example.vn"}
    assert api.put("/api/v1/people/dv-1", json=person,
                   headers=bearer(sync_secret)).status_code == 201
    assert api.put("/api/v1/people/dv-2", json={**person, "username": "ngoai", "unit": "K",
                                                 "email": "ngoai@example.vn"},
                   headers=bearer(sync_secret)).status_code == 403
    assert api.get("/api/v1/completions", headers=bearer(sync_secret)).status_code == 403
    assert api.get("/admin/", headers=bearer(sync_secret)).status_code in (302, 401)
    made = admin.post("/admin/tokens", data=token_form(
        admin, "/admin/tokens", unit_code="H", roles=["verifier"],
        scopes=["read:completions"], expires="90"))
    assert made.status_code == 201
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    data = centre.test_client().get("/api/v1/completions", headers=bearer(secret)).get_json()
    assert [item["username"] for item in data["items"]] == ["hoc.vien"]  # H only, not K
    listed = admin.get("/admin/tokens").get_data(as_text=True)
    token_id = max(re.findall(r"/admin/tokens/(\d+)/revoke", listed), key=int)
    assert admin.post(f"/admin/tokens/{token_id}/revoke", data={
        "csrf_token": csrf_token(admin, "/admin/tokens")}).status_code == 303
    assert centre.test_client().get("/api/v1/completions",
                                    headers=bearer(secret)).status_code == 401
    assert audit_actions(centre)[-1] == "api_token.revoked"


def test_duplicate_creations_and_revocations_through_a_real_server_have_one_effect(centre):
    with serve(centre) as base:
        tab = Browser(base)
        tab.login("hoc.vien", PASSWORD)
        html = tab.request("/profile/tokens")[1]
        key = re.search(r'name="request_key"[^>]*value="([^"]+)"', html).group(1)
        tabs = [(tab, tab.csrf("/profile/tokens")) for _ in range(6)]
        answers = race(tabs, "/profile/tokens", {
            "request_key": key, "name": "đua", "scopes": "read:me", "expires": "30"})
        assert sorted({status for status, _ in answers}) == [201]
        assert sum(1 for _, body in answers if SECRET.search(body)) == 1
        with centre.app_context():
            from elearn.services.accounts import find_user
            tokens = _service().tokens_of(find_user("hoc.vien"))
            assert len(tokens) == 1
            token_id = tokens[0].id
        answers = race(tabs, f"/profile/tokens/{token_id}/revoke", {})
        assert {status for status, _ in answers} == {303}
    assert audit_actions(centre) == ["api_token.created", "api_token.revoked"]


def test_the_openapi_document_declares_the_token_and_each_operations_scope(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiToken"]["type"] == "http" and schemes["apiToken"]["scheme"] == "bearer"
    operations = document["paths"]
    assert operations["/api/v1/me/completions"]["get"]["security"][0] == {
        "apiToken": ["read:me"]}
    assert operations["/api/v1/completions"]["get"]["security"][0] == {
        "apiToken": ["read:completions"]}
    assert operations["/api/v1/verify/{code}"]["get"]["security"] == []
