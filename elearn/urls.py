"""Addresses that leave the site: the QR code and link on a certificate, an invitation link.

They are printed, shared and scanned long after the request that made them, so they use the
configured public address (ELEARN_PUBLIC_URL) rather than whatever host the request came in
on (an internal name behind a proxy, or a forged Host header). Unset, the request's host is
used, as before."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for


def check_public_url(value: str | None) -> str | None:
    """The configured address without its trailing slash; a clear error when it is no
    http(s) address (raised at start-up, not on the first certificate)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise ValueError(f"ELEARN_PUBLIC_URL must be an http(s) address such as "
                         f"https://hoctap.example.vn, not {value!r}")
    return value.strip().rstrip("/")


def public_url_for(endpoint: str, **values: Any) -> str:
    """`url_for(..., _external=True)`, on ELEARN_PUBLIC_URL when it is set."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    # The public address names where the site's root is served, mount point included.
    script_root = request.script_root if request else ""
    if script_root and path.startswith(script_root):
        path = path[len(script_root):]
    return base + path


def public_url_outside_request(endpoint: str, **values: Any) -> str:
    """An address on ELEARN_PUBLIC_URL built where there is no request (a queue worker writing
    an e-mail). Without ELEARN_PUBLIC_URL the address is relative to http://localhost, which is
    why deployments that send mail must set it."""
    base = current_app.config.get("PUBLIC_URL") or "http://localhost"
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return base + adapter.build(endpoint, values)


def public_address(path: str) -> str:
    """A site path ("/pledges/2026") on ELEARN_PUBLIC_URL, without a request."""
    base = current_app.config.get("PUBLIC_URL") or "http://localhost"
    return base + (path if path.startswith("/") else "/" + path)
