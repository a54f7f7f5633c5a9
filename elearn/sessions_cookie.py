"""Signed-cookie sessions whose cookie is Secure whenever the request came over HTTPS."""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        # Behind a TLS-terminating proxy, ProxyFix (PROXY_FIX_X_FOR) makes is_secure true.
        return bool(app.config["SESSION_COOKIE_SECURE"]
                    or (has_request_context() and request.is_secure))

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, made once per secret key instead of twice a request: building
        it derives nothing, but cost as much as checking the signature."""
        made = app.extensions.get("elearn.session_serializer")
        if made is None or made[0] != app.secret_key:
            made = app.extensions["elearn.session_serializer"] = (
                app.secret_key, super().get_signing_serializer(app))
        return made[1]
