"""Rendered parts of a page, reused while what they show is unchanged.

A part is rendered once and then served from memory under a key that names everything its
markup depends on. The caller's key names the data (e.g. the stamp of a cached computation,
so the markup is never older than its figures); this module adds what every rendering
depends on: the language (words and number formats) and the URL prefix the links are built
on. A part must not show anything about the viewer (their name, roles, a CSRF token, a CSP
nonce): it is shared by everyone who may see the page.

The parts live in a small store of each worker process, bounded in entries, not in the
shared cache: a part is tens of kilobytes and the embedded cache keeps expired entries until
it holds 10,000 of them (hundreds of megabytes per worker), and with Redis each view would
fetch the markup over the network.
"""
from __future__ import annotations

from cachelib import SimpleCache
from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

PARTS_KEPT = 128  # per worker: at most a few megabytes


def rendered_part(key: str, seconds: int, template: str, **context) -> Markup:
    """`template` rendered with `context`, reused for `seconds` (0: rendered every time)."""
    if not seconds:
        return Markup(render_template(template, **context))
    parts: SimpleCache = current_app.extensions.setdefault(
        "elearn.rendered_parts", SimpleCache(threshold=PARTS_KEPT))
    full_key = f"{template}:{key}:{get_locale()}:{request.script_root}"
    html = parts.get(full_key)
    if html is None:
        html = render_template(template, **context)
        parts.set(full_key, html, timeout=seconds)
    return Markup(html)
