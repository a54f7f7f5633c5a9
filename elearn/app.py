"""The app factory: the start-up sequence and nothing else."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.session import Session as FlaskSession
from werkzeug.middleware.proxy_fix import ProxyFix

from . import engine_tuning, jobqueue, lookup_limits, question_templates, security, shared_state
from . import web_input
from .application import ElearnFlask
from .cli import make_cli
from .config import load_config
from .extensions import babel, cache, csrf, db, limiter, login_manager, migrate
from .services import course_runtime, job_handlers
from .services import api_tokens, counters, outbox, plugin_failures, read_replica
from .bearer import presented_secret
from .services.sessions import load_session
from .plugin_guard import call_all
from .plugins import make_plugin_manager
from .registry import build_registry
from .sessions_cookie import HttpsAwareSessionInterface

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    # ELEARN_INSTANCE_PATH puts the database, secret key and local courses elsewhere.
    app = ElearnFlask(__name__, instance_relative_config=True,
                      instance_path=os.environ.get("ELEARN_INSTANCE_PATH") or None)
    load_config(app, test_config)
    web_input.init_app(app)  # converters first: blueprints' routes are built with them
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=1)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))

    app.session_interface = HttpsAwareSessionInterface()
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            engine_tuning.install(engine)
    counters.install(FlaskSession)  # dashboard counters move in the changing transaction
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    lookup_limits.init_app(app)
    cache.init_app(app)
    shared_state.announce_host(app)
    _init_login(app)
    security.init_app(app)
    jobqueue.init_app(app, job_handlers.runner())
    outbox.init_app(app)
    plugin_failures.init_app(app)
    read_replica.init_app(app)

    pm = make_plugin_manager(app.config)
    app.extensions["elearn.plugin_manager"] = pm
    registry = build_registry(pm, app)
    app.extensions["elearn.registry"] = registry
    course_runtime.init_app(app)

    from . import views

    views.register(app)
    for blueprints in call_all(pm.hook.register_blueprints, app=app):
        for blueprint in blueprints or ():
            views.register_plugin_blueprint(app, blueprint)
    question_templates.init_app(app, registry.question_types)

    cli = make_cli()
    call_all(pm.hook.register_commands, cli=cli)
    app.cli.add_command(cli)

    call_all(pm.hook.startup, app=app, registry=registry)
    return app


def select_locale() -> str:
    """The signed-in person's choice, else the language cookie, else Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # `is_anonymous`, not `is_authenticated`: the latter reads the `active` column, which a
    # commit earlier in the request has expired (one more SELECT per write request).
    if current_user and not current_user.is_anonymous:
        chosen = current_user.request_locale
        if chosen is None:  # no snapshot taken this request
            chosen = current_user.locale
        if chosen in languages:
            return chosen
    cookie = request.cookies.get("lang")
    if cookie in languages:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(token: str):
        if presented_secret() is not None:
            # A Bearer request acts as its token only, never as a cookie sent along: that
            # is what makes it safe to exempt from CSRF (security.py).
            return None
        return load_session(token)

    @login_manager.request_loader
    def load_token_user(_request):
        return api_tokens.user_for_request()
