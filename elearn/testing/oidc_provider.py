"""A small but real OpenID Connect provider for tests, built from Authlib's server parts
(authorization code grant, OpenID Connect `OpenIDCode`, PKCE `CodeChallenge`) in a Flask app
that `serve` puts on 127.0.0.1.

It publishes discovery and a JWKS, signs id_tokens with RS256, and its authorize endpoint
consents at once for `provider.user` (the person "at the provider" the test chose). It demands
PKCE with S256 from every client, confidential ones included. Knobs for refusal tests:
`forged_nonce` (the id_token carries a nonce the client never sent) and `codes` (what was
issued, to replay a code by hand).
"""
from __future__ import annotations

import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify
from joserfc.jwk import RSAKey

from .web import serve

CLIENT_ID = "elearn-test"
CLIENT_SECRET = "elearn-test-secret"
_KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})


@dataclass
class Account:
    """The person signed in at the provider."""
    sub: str
    name: str = "Nguyễn Văn SSO"
    email: str | None = None
    preferred_username: str | None = None


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in ("openid", "profile", "email"))

    def check_redirect_uri(self, redirect_uri):
        # Any callback on 127.0.0.1: the app under test listens on a free port.
        return not self.redirect_uris or redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint != "token" or method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    account: Account
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class RequiredS256(CodeChallenge):
    """PKCE for every client (Authlib demands it of public clients only), S256 only."""
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class Provider:
    """The provider's state: its issuer URL once served, the signed-in account, the codes."""

    def __init__(self, account: Account | None = None):
        self.issuer = ""
        self.user = account or Account(sub="sso-subject-0001")
        self.client = Client(CLIENT_ID, CLIENT_SECRET)
        self.codes: dict[str, Code] = {}
        self.forged_nonce = False
        self.app = self._make_app()

    # -- Authlib's storage callbacks ---------------------------------------------------
    def _make_app(self) -> Flask:
        provider = self
        app = Flask("oidc-test-provider")
        app.config["SECRET_KEY"] = "provider-secret"

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, request):
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code, client_id=request.client.client_id,
                    redirect_uri=request.payload.redirect_uri, scope=request.payload.scope,
                    account=request.user, nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"))

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.account

        class IdTokens(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return any(code.nonce == nonce for code in provider.codes.values())

            def resolve_client_private_key(self, client):
                return _KEY

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": _KEY.kid}

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.get_client_id()]}

            def get_authorization_code_claims(self, authorization_code):
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.forged_nonce:
                    claims["nonce"] = "a-nonce-this-client-never-sent"
                return claims

            def generate_user_info(self, user: Account, scope):
                info = UserInfo(sub=user.sub, name=user.name)
                if user.preferred_username:
                    info["preferred_username"] = user.preferred_username
                if "email" in scope.split() and user.email:
                    info["email"], info["email_verified"] = user.email, True
                return info

        server = AuthorizationServer(
            app, query_client=lambda client_id: (
                provider.client if client_id == provider.client.client_id else None),
            save_token=lambda token, request: None)
        server.register_grant(CodeGrant, [IdTokens(require_nonce=True), RequiredS256()])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": provider.issuer,
                "authorization_endpoint": f"{provider.issuer}/authorize",
                "token_endpoint": f"{provider.issuer}/token",
                "jwks_uri": f"{provider.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "profile", "email"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [_KEY.as_dict(private=False)]})

        @app.get("/authorize")
        def authorize():
            # Consents at once for the account the test signed in at the provider.
            request = server.create_oauth2_request(None)
            try:
                grant = server.get_authorization_grant(request)
            except OAuth2Error as error:
                error.state = request.payload.state
                return server.handle_error_response(request, error)
            return server.create_authorization_response(request=request, grant=grant,
                                                        grant_user=provider.user)

        @app.post("/token")
        def token():
            return server.create_token_response()

        return app


@contextmanager
def oidc_provider(account: Account | None = None) -> Iterator[Provider]:
    """A provider served on 127.0.0.1 for the duration of the block."""
    provider = Provider(account)
    with serve(provider.app) as base:
        provider.issuer = base
        yield provider
