"""RFC 9457 problem details: how every error under /api/ is answered, in the caller's
language (the same language choice as the pages: the person's, the cookie's, Vietnamese)."""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _

PROBLEM_JSON = "application/problem+json"


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not signed in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Too large"),
        422: _("Invalid parameters"),
        429: _("Too many requests"),
        500: _("Server error"),
    }


def wants_problem() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, detail: str, errors: dict[str, Any] | None = None) -> Response:
    """A problem-details answer. `error` repeats the detail: API v1 answered `{error, status}`
    before problem details, and clients of the verification endpoint read it."""
    body: dict[str, Any] = {
        "type": "about:blank", "title": _titles().get(status, _titles()[400]),
        "status": status, "detail": detail, "instance": request.path, "error": detail,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def bad_parameters(messages: dict[str, Any]) -> str:
    """The translated detail of a 422: which parameters were refused."""
    names = sorted({name for where in messages.values() if isinstance(where, dict)
                    for name in where})
    return _("These parameters are not valid: %(names)s.", names=", ".join(names) or "?")
