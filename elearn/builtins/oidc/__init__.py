"""Single sign-on with OpenID Connect (issue #17): people sign in at their organisation's
identity provider instead of typing an elearn password. Local passwords keep working beside it.

Built on Authlib's Flask client: discovery from `<issuer>/.well-known/openid-configuration`,
the authorization code flow with PKCE (S256), state and nonce, and the id_token's signature,
issuer, audience and nonce checked against the provider's published keys. The provider's
subject (with its issuer) maps to a person through a `person_identifiers` row of kind `oidc`,
which an admin links on the person's page. An unknown subject is refused, unless
ELEARN_OIDC_AUTO_CREATE names the unit where new people are placed — as plain learners,
holding no role: single sign-on never creates an administrator.

Enabled only when ELEARN_OIDC_ISSUER and ELEARN_OIDC_CLIENT_ID are set; otherwise its pages
answer 404 and the sign-in page shows no button. Imports only `elearn.api`.
"""
from __future__ import annotations

from flask import Blueprint, Flask

from ...api import gettext, hookimpl, offer_sign_in
from . import provider, views


@hookimpl
def register_blueprints(app: Flask) -> list[Blueprint]:
    client = provider.configure(app)
    if client is not None:
        label = app.config.get("OIDC_DISPLAY_NAME") or "OpenID Connect"
        # The label is built per request, in the reader's language.
        offer_sign_in(app, "oidc.login", _ButtonLabel(label))
        # The person's admin page links to the page linking their subject.
        app.jinja_env.globals["person_sign_on_endpoint"] = "oidc.person"
    return [views.bp]


class _ButtonLabel:
    """"Đăng nhập bằng <provider>" / "Sign in with <provider>", translated when shown."""

    def __init__(self, provider_name: str):
        self.provider_name = provider_name

    def __str__(self) -> str:
        return gettext("Sign in with %(provider)s", provider=self.provider_name)

    def __html__(self) -> str:
        from markupsafe import escape
        return str(escape(str(self)))
