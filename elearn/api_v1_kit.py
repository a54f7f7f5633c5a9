"""What a plugin needs to add endpoints to the JSON API v1 (re-exported by `elearn.api`).

A blueprint made with `ApiBlueprint` and returned from `register_blueprints` is registered on
the API v1 (flask-smorest), not as a plain blueprint: its routes appear in the OpenAPI
document, a caller who is not signed in gets a 401 problem instead of a redirect, and its
errors are RFC 9457 problem details in the caller's language like the core's.
"""
from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_smorest import Blueprint

from .api_schemas import PageArgs, PageSchema


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint for endpoints under /api/v1 (give `url_prefix="/api/v1/…"`)."""


ApiPageArgs = PageArgs      # `?page=&per_page=` (at most 100), for `@bp.arguments`
ApiPageSchema = PageSchema  # the list envelope's fields; subclass it and add `items`


def api_page(total: int, page: int, per_page: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The list envelope every API v1 list answers: the page's items, where it is, and the
    address of the next page (None on the last)."""
    more = page * per_page < total
    args = {**request.args.to_dict(), "page": page + 1, "per_page": per_page}
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "next": url_for(request.endpoint, **args) if more else None}
