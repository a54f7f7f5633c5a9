"""Every route declares the permission it needs; this module is the one place that decides.

A role is granted on a unit and holds for the unit's whole subtree. Views without a
declaration are refused (deny by default), and a test walks every route with every role.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Flask, abort, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort as api_abort

from .bearer import SCOPE_NAMES, presented_secret

# Re-exported for views: the web layer's extensions, so views never import `extensions` (db).
from .extensions import limiter, login_manager  # noqa: F401
from .lookup_limits import rate_limited  # noqa: F401
from .models import Role, Unit

PUBLIC = "public"
AUTHENTICATED = "authenticated"
ScopeResolver = Callable[..., "Unit | None"]

# Pages someone who must change their password may still open.
_PASSWORD_CHANGE_EXEMPT = {"profile.password", "auth.logout", "main.set_language"}


def permission(*requirements: str | Role, scope: ScopeResolver | None = None) -> Callable:
    """Declare who may call a view: PUBLIC, AUTHENTICATED, or one or more Roles (any of them).

    With `scope`, the role must be held on the unit the resolver returns for the view's
    arguments (or on one of its ancestors); an unknown object is a 404.
    """
    assert requirements, "name at least one requirement"
    roles = [Role(r) for r in requirements if r not in (PUBLIC, AUTHENTICATED)]

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any):
            if PUBLIC not in requirements:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if roles:
                    target = None
                    if scope is not None:
                        target = scope(**kwargs)
                        if target is None:
                            abort(404)
                    if not any(has_role(current_user, role, target) for role in roles):
                        abort(403)
            return view(*args, **kwargs)

        guarded.elearn_permission = "|".join(str(r) for r in requirements)
        guarded.elearn_scoped = scope is not None
        return guarded

    return decorate


def token_scope(scope: str) -> Callable:
    """Declare, next to `permission`, the API token scope a view needs. A request signed in by
    the session cookie is unaffected; a token without the scope gets a 403 naming it. A token
    is refused on every non-public route without this declaration (deny by default)."""
    assert scope in SCOPE_NAMES, f"unknown token scope {scope!r}"

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any):
            token = g.get("api_token")
            if token is not None and scope not in token.scope_list:
                api_abort(403, message=_("This API token lacks the scope %(scope)s.",
                                         scope=scope))
            return view(*args, **kwargs)

        checked.elearn_token_scope = scope
        # flask-smorest's documentation of the view: the operation's OpenAPI security names
        # the scope (applied under @bp.route, over the view's other documentation).
        apidoc = dict(getattr(view, "_apidoc", {}))
        apidoc["manual_doc"] = {**apidoc.get("manual_doc", {}),
                                "security": [{"apiToken": [scope]}, {"session": []}]}
        checked._apidoc = apidoc
        return checked

    return decorate


def _check_token(app: Flask, endpoint: str) -> None:
    """A Bearer request: the token must sign someone in (401 with the reason) and the route
    must declare a token scope, unless it is public."""
    if not current_user.is_authenticated:
        api_abort(401, message=g.get("api_token_refusal") or _("This API token is not valid."))
    view = app.view_functions.get(endpoint)
    if (getattr(view, "elearn_token_scope", None) is None
            and declared_permission(app, endpoint) != PUBLIC):
        api_abort(403, message=_("This address cannot be used with an API token."))


def held_roles(user: Any) -> list[tuple[str, Unit]]:
    """(role, unit) pairs: the grants, plus reviewer rights from each committee seat (a
    committee supervises its unit's subtree)."""
    pairs = [(grant.role, grant.unit) for grant in user.grants]
    pairs += [(Role.REVIEWER, seat.unit) for seat in user.seats]
    return pairs


def held_paths(user: Any) -> tuple[tuple[str, str], ...] | list[tuple[str, str]]:
    """(role, unit path) pairs, as `held_roles`: from the sign-in look-up when it ran for this
    request (no query), else from the person's grants and seats."""
    snapshot = getattr(user, "request_held_paths", None)
    if snapshot is not None:
        return snapshot
    return [(held, on.path) for held, on in held_roles(user)]


def has_role(user: Any, role: Role, unit: Unit | None = None) -> bool:
    """Does `user` hold `role` on `unit` (through it or an ancestor)? Without a unit: anywhere."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(held == role and (unit is None or unit.path.startswith(path))
               for held, path in held_paths(user))


def scope_paths(user: Any, role: Role) -> list[str]:
    """Paths of the subtrees where `user` holds `role` (for filtering lists in SQL)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [path for held, path in held_paths(user) if held == role]


def declared_permission(app: Flask, endpoint: str) -> str | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "elearn_permission", None)


# Course Markdown is sanitised; this is the second wall: no inline script, no plugin objects,
# no framing, nothing loaded from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


_SECURITY_HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY),
                     ("X-Content-Type-Options", "nosniff"),
                     ("Referrer-Policy", "same-origin"),
                     ("X-Frame-Options", "DENY"))


def _is_personal(endpoint: str | None) -> bool:
    """Is this response for a signed-in person? (Static files are the same for everyone.)"""
    if endpoint == "static" or (endpoint or "").endswith(".static"):
        return False
    # Not `is_authenticated`: it reads the `active` column, which a commit earlier in the
    # request has expired, and reloading the row cost ~0.5 ms on every write.
    return bool(current_user and not current_user.is_anonymous)


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        # One look at the headers a view set (a course file sets its own policy), not four
        # case-insensitive searches of the list: this runs on every response.
        own = {name.lower() for name, _value in headers.items()}
        headers.extend([pair for pair in _SECURITY_HEADERS if pair[0].lower() not in own])
        if response.status_code == 401 and presented_secret() is not None:
            # RFC 6750: tell the client the token is what was refused.
            response.headers["WWW-Authenticate"] = 'Bearer realm="elearn", error="invalid_token"'
        if _is_personal(request.endpoint):
            # Signed-in pages and files (certificates, exports) must not stay in a shared
            # computer's cache or a proxy after the person signs out.
            response.headers["Cache-Control"] = "private, no-store"
            response.vary.add("Cookie")
        return response

    @app.before_request
    def deny_undeclared_routes():
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static" or endpoint.endswith(".static"):
            return None
        if declared_permission(app, endpoint) is None:
            abort(403)
        if presented_secret() is not None:
            return _check_token(app, endpoint)
        if (current_user.is_authenticated and current_user.must_change_password
                and endpoint not in _PASSWORD_CHANGE_EXEMPT):
            return redirect(url_for("profile.password"))
        return None
