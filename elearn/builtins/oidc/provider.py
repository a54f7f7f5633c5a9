"""The Authlib client for the configured OpenID Connect provider, and how a subject is stored."""
from __future__ import annotations

from flask import Flask, current_app

KIND = "oidc"
EXTENSION = "elearn.oidc"
DEFAULT_SCOPES = "openid profile email"


def issuer(app: Flask | None = None) -> str:
    config = (app or current_app).config
    return str(config.get("OIDC_ISSUER") or "").rstrip("/")


def configure(app: Flask):
    """Register the provider with Authlib when ELEARN_OIDC_ISSUER and _CLIENT_ID are set;
    the client, or None when single sign-on is off. Nothing is fetched here: discovery
    happens on the first sign-in (and is then cached), so a provider that is down does not
    stop the site from starting."""
    config = app.config
    if not issuer(app) or not config.get("OIDC_CLIENT_ID"):
        return None
    scopes = " ".join(str(config.get("OIDC_SCOPES") or DEFAULT_SCOPES).replace(",", " ").split())
    if "openid" not in scopes.split():
        scopes = f"openid {scopes}"   # without it there is no id_token to verify
    # Imported only where single sign-on is configured: Authlib's client and requests are
    # ~16 MB in every worker of a site that does not use it.
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    client = oauth.register(
        "oidc", client_id=config.get("OIDC_CLIENT_ID"),
        client_secret=config.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=f"{issuer(app)}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": 15})
    app.extensions[EXTENSION] = client
    return client


def client():
    """The configured client of the running app, or None when single sign-on is off."""
    return current_app.extensions.get(EXTENSION)


def stored_value(subject: str) -> str:
    """What a `person_identifiers` row holds: the issuer, a space, the subject. The same
    subject at another provider is another person; an issuer URL has no spaces."""
    return f"{issuer()} {subject}"


def subject_of(value: str | None) -> str | None:
    """The subject in a stored value, when it is from the configured issuer."""
    if not value:
        return None
    stored_issuer, _space, subject = value.partition(" ")
    return subject if stored_issuer == issuer() else None
