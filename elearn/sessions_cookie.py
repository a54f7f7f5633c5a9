"""Signed-cookie sessions whose cookie is Secure whenever the request came over HTTPS."""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        # Behind a TLS-terminating proxy, ProxyFix (PROXY_FIX_X_FOR) makes is_secure true.
        return bool(app.config["SESSION_COOKIE_SECURE"]
                    or (has_request_context() and request.is_secure))
