"""Rendered parts of a page, reused while what they show is unchanged.

A part is rendered once and then served from the shared cache (`shared_state.remembered`)
under a key that names everything its markup depends on. The caller's key names the data
(e.g. the stamp of a cached computation, so the markup is never older than its figures);
this module adds what every rendering depends on: the language (words and number formats)
and the URL prefix the links are built on. A part must not show anything about the viewer
(their name, roles, a CSRF token, a CSP nonce): it is shared by everyone who may see the page.
"""
from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from ..shared_state import remembered


def rendered_part(key: str, seconds: int, template: str, **context) -> Markup:
    """`template` rendered with `context`, reused for `seconds` (0: rendered every time)."""
    def render() -> str:
        return render_template(template, **context)

    if not seconds:
        return Markup(render())
    full_key = f"part:{template}:{key}:{get_locale()}:{request.script_root}"
    return Markup(remembered(full_key, seconds, render))
