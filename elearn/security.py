"""Every route declares the permission it needs; this module is the one place that decides.

Views without a declaration are refused (deny by default), and a test walks every route.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Flask, abort, request
from flask_login import current_user

from .extensions import login_manager
from .models import Role

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def permission(requirement: str | Role) -> Callable:
    """Declare who may call a view: PUBLIC, AUTHENTICATED, or a Role."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not allowed(requirement):
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                abort(403)
            return view(*args, **kwargs)

        guarded.elearn_permission = str(requirement)
        return guarded

    return decorate


def allowed(requirement: str | Role) -> bool:
    if requirement == PUBLIC:
        return True
    if not current_user.is_authenticated:
        return False
    if requirement == AUTHENTICATED:
        return True
    return any(grant.role == requirement for grant in current_user.grants)


def declared_permission(app: Flask, endpoint: str) -> str | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "elearn_permission", None)


def init_app(app: Flask) -> None:
    @app.before_request
    def deny_undeclared_routes():
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static" or endpoint.endswith(".static"):
            return None
        if declared_permission(app, endpoint) is None:
            abort(403)
        return None
