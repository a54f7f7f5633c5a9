"""Translated error pages: bad input gets a clear 4xx, never a traceback."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..web_input import InvalidInput
from .problems import bad_parameters, problem, wants_problem


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered."),
        401: _("Please sign in to continue."),
        403: _("You do not have permission to see this page."),
        404: _("The page you asked for does not exist."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Nothing you saved was lost."),
    }


def render_error(code: int, message: str | None = None, errors: dict | None = None):
    message = message or _messages().get(code) or _messages()[400]
    if wants_problem():
        return problem(code, message, errors)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message, status=code), code
    return render_template("error.html", code=code, message=message), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return render_error(400, _("Your form expired or was sent from elsewhere. "
                                   "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, InvalidInput):
            return render_error(400, error.description)
        code = error.code or 500
        # flask-smorest's abort() carries the message, or webargs' refused parameters (422).
        data = getattr(error, "data", None) or {}
        if code == 422 and isinstance(data.get("messages"), dict):
            return render_error(422, bad_parameters(data["messages"]),
                                errors=data["messages"])
        return render_error(code if code in _messages() or code < 500 else 500,
                            data.get("message") if isinstance(data.get("message"), str)
                            else None)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return render_error(500)
