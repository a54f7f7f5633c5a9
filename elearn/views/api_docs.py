"""The JSON API's OpenAPI 3.1 document, generated from the code, and a page that reads it.

Why flask-smorest: it adds documented routes to the plain Flask app and blueprints the site
already has (APIFlask wants its own application class; spectree brings pydantic beside the
WTForms we validate pages with). Its marshmallow schemas describe and serialise each answer,
webargs parses the query (a refused parameter is a 422), and apispec writes OpenAPI 3.1.

The document is served at /api/v1/openapi.json; /api/v1/docs renders the same document
server-side with a Jinja template: no CDN, no JavaScript.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from ..security import PUBLIC, login_manager, permission
from .api_v1 import bp as api_v1_bp
from .api_v1_org import bp as api_v1_org_bp
from ..api_schemas import Problem
from .problems import PROBLEM_JSON

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


class ElearnApi(Api):
    """flask-smorest, but errors stay with the site's own handler (`views/errors.py`, which
    answers problem details under /api/), and documented errors are problem+json."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        pass

    def _register_responses(self) -> None:
        for status in (400, 401, 403, 404, 405, 422, 429):
            response = {"description": "problem details", "schema": "Problem"}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(str(status), response, lazy=True)


def init_app(app: Flask) -> None:
    app.config.setdefault("OPENAPI_URL_PREFIX", None)  # we serve the document ourselves
    api = ElearnApi(app, spec_kwargs={
        "title": "elearn API", "version": "1", "openapi_version": "3.1.0",
        "security": [{"apiToken": []}, {"session": []}],
        "info": {"description": (
            "Authenticate with an API token (`Authorization: Bearer elt_…`, made on your "
            "profile page) or the site's session cookie. Errors are RFC 9457 problem details in the caller's language. "
            "Lists take `page` and `per_page` (at most 100) and give the `next` page.")}})
    register_components(app, api.spec)
    api.spec.components.security_scheme("apiToken", {
        "type": "http", "scheme": "bearer", "bearerFormat": "elt_…",
        "description": "A personal or service API token; each operation needs one scope "
                       "(403 names a missing one)."})
    api.spec.components.security_scheme("session", {
        "type": "apiKey", "in": "cookie", "name": "session",
        "description": "The site's session cookie, after signing in on the site."})
    # An API caller who is not signed in gets a 401, not a redirect to the sign-in page.
    login_manager.blueprint_login_views[api_v1_bp.name] = None
    login_manager.blueprint_login_views[api_v1_org_bp.name] = None
    api.register_blueprint(api_v1_bp)
    api.register_blueprint(api_v1_org_bp)
    app.register_blueprint(bp)
    app.extensions["elearn-api"] = api


def register_api_blueprint(app: Flask, blueprint: Any) -> None:
    """Add a (plugin's) flask-smorest blueprint to the API v1: documented, 401 not redirect."""
    login_manager.blueprint_login_views[blueprint.name] = None
    app.extensions["elearn-api"].register_blueprint(blueprint)


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def register_components(app: Flask, spec: Any) -> None:
    """The problem schema, and the verification endpoint, which is older than this API and
    keeps its own route and answers (`views/verify.py`)."""
    if "Problem" not in spec.components.schemas:  # the lazy error responses may have added it
        spec.components.schema("Problem", schema=Problem)
    verification = {"type": "object", "required": ["status"], "properties": {
        "status": {"type": "string", "enum": ["valid", "revoked", "invalid", "unknown"]},
        "code": {"type": "string"}, "score": {"type": ["number", "null"]},
        "completed_at": {"type": "string"}, "method": {"type": "string"},
        "holder": {"type": "string", "description": "masked unless the holder or a verifier "
                   "of the holder's unit asks"},
        "unit": {"type": "string"}, "issuer": {"type": "string"},
        "issuer_en": {"type": "string"}, "course": {"type": "object"},
        "revoked_at": {"type": "string"}, "revocation_reason": {"type": "string"}}}
    typo = {"type": "object", "required": ["error", "status"],
            "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == "verify.api")
    spec.path(rule=rule, operations={"get": {
        "tags": ["verify"], "operationId": "verify", "security": [],
        "summary": "Check a completion code (public; rate-limited per address)",
        "responses": {
            "200": {"description": "what the code certifies",
                    "content": {"application/json": {"schema": verification}}},
            "400": {"description": "the code is mistyped",
                    "content": {"application/json": {"schema": typo},
                                PROBLEM_JSON: {"schema": {
                                    "$ref": "#/components/schemas/Problem"}}}},
            "404": _problem("Not found"),
            "429": _problem("Too many lookups from this address"),
        }}})


def spec_document() -> dict[str, Any]:
    return current_app.extensions["elearn-api"].spec.to_dict()


@bp.get("/openapi.json")
@permission(PUBLIC)
def openapi_json():
    return jsonify(spec_document())


@bp.get("/docs")
@permission(PUBLIC)
def docs():
    return render_template("api_docs.html", spec=spec_document())
