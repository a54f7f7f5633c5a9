"""Thin blueprints: parse the request, call a service, render."""
from __future__ import annotations

from flask import Flask

from . import admin, auth, courses, errors, main


def register(app: Flask) -> None:
    for module in (main, auth, courses, admin):
        app.register_blueprint(module.bp)
    errors.register(app)
    main.register_context(app)
