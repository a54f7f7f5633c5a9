"""Public keys and the issuer profile for portable credentials (Open Badges 3.0).

Verifiers fetch these once and then check every credential offline; no personal data here."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from .. import credentials
from ..security import PUBLIC, permission
from ..urls import public_url_for

bp = Blueprint("credentials", __name__)


@bp.get("/.well-known/jwks.json")
@permission(PUBLIC)
def jwks():
    response = jsonify(credentials.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/api/v1/issuer")
@permission(PUBLIC)
def issuer():
    return jsonify(credentials.issuer_profile(
        issuer_id=public_url_for("credentials.issuer"),
        home=public_url_for("main.index"),
        jwks_url=public_url_for("credentials.jwks"),
        name=current_app.config.get("SITE_NAME") or "elearn"))
