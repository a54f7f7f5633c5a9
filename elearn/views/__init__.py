"""Thin blueprints: parse the request, call a service, render."""
from __future__ import annotations

from flask import Blueprint, Flask

from ..api_v1_kit import ApiBlueprint

from . import (
    admin, admin_committees, admin_people, admin_units, auth, author, centre, certificates,
    courses, dashboard, errors, inspections, jobs, main, plans, pledges, profile, public,
    review, verify,
)
from . import quiz  # the learner's quiz pages
from . import banks  # question banks from and to other tools
from . import word_lessons  # lessons from a Word document
from . import api_docs  # the JSON API v1 and its OpenAPI document
from . import credentials  # public keys and issuer profile for Open Badges
from . import person_identifiers  # party card number, citizen ID
from . import api_tokens  # personal and service API tokens


def register(app: Flask) -> None:
    for module in (main, auth, profile, courses, admin, admin_units, admin_committees,
                   admin_people, verify, certificates, centre, pledges, review, plans,
                   inspections, public, dashboard, author, jobs):
        app.register_blueprint(module.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(banks.bp)
    app.register_blueprint(word_lessons.bp)
    app.register_blueprint(credentials.bp)
    app.register_blueprint(person_identifiers.bp)
    app.register_blueprint(api_tokens.bp)
    api_docs.init_app(app)
    errors.register(app)
    main.register_context(app)


def register_plugin_blueprint(app: Flask, blueprint: Blueprint) -> None:
    """A plugin's blueprint: an `ApiBlueprint` joins the API v1 (and its document)."""
    if isinstance(blueprint, ApiBlueprint):
        api_docs.register_api_blueprint(app, blueprint)
    else:
        app.register_blueprint(blueprint)
