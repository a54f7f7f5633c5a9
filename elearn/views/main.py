"""Home page, catalogue and language choice."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint, Flask, current_app, has_request_context, redirect, render_template, request,
    send_from_directory, url_for,
)
from flask_babel import get_locale
from flask_login import current_user

from ..dates import format_day, format_moment
from ..forms import LanguageForm
from ..clock import local_today
from ..services import accounts, catalogue, next_steps
from ..services.progress import progress_for
from ..labels import course_title, level_label, role_label
from ..models import Role
from ..csrf_tokens import page_csrf_token
from ..security import PUBLIC, held_roles, permission, scope_paths
from ..services.orgs import units_within
from ..urls import public_url_for
from .menu import is_current, site_menu

bp = Blueprint("main", __name__)


KIND_ORDER = ("full_term", "annual", "student")


def visible_courses():
    return catalogue.visible_courses(current_user if current_user.is_authenticated else None)


def grouped(courses) -> list[tuple[str, list[tuple[int, list]]]]:
    """Courses grouped by kind (full-term, annual, student) and then year, newest first."""
    groups = []
    for kind in KIND_ORDER:
        of_kind = [c for c in courses if c.kind == kind]
        years = sorted({c.year for c in of_kind}, reverse=True)
        if of_kind:
            groups.append((kind, [(year, [c for c in of_kind if c.year == year])
                                  for year in years]))
    return groups


@bp.get("/")
@permission(PUBLIC)
def index():
    courses = visible_courses()
    learner = current_user if current_user.is_authenticated else None
    return render_template(
        "index.html", courses=courses, groups=grouped(courses),
        progress=progress_for(learner, courses) if learner else {},
        certificates=next_steps.certificate_codes(learner, [c.slug for c in courses]),
        plan=next_steps.year_plan(learner, local_today().year) if learner else None)


@bp.get("/favicon.ico")
@permission(PUBLIC)
def favicon():
    """Browsers ask for /favicon.ico on every site whatever the page links to; without an
    answer each visit logs a 404."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon")


def safe_next(target: str | None) -> str:
    """Only same-site relative paths: no open redirects, no header splitting.

    Browsers treat a backslash like a slash ("/\\evil.example") and drop tabs and newlines,
    so any of those, or any other control character, makes the target ignored."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and target.isprintable() \
            and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


@bp.post("/language")
@permission(PUBLIC)
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.index"))
    language = form.language.data
    if current_user.is_authenticated:
        accounts.set_locale(current_user, language)
    response = redirect(safe_next(form.next.data))
    response.set_cookie("lang", language, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=request.is_secure)
    return response


def localised(text) -> str:
    """Template filter: course text in the reader's language (Vietnamese fallback)."""
    return text.get(str(get_locale() or "vi")) if text is not None else ""


def units_in_scope(roles: list[str]) -> list:
    """Template global: the units the signed-in person holds any of these roles over, for the
    unit-code pickers of staff forms."""
    return units_within([path for role in roles for path in scope_paths(current_user, Role(role))])


class FixedUrls:
    """`url_for(endpoint, **values)`, built once per app, script root and arguments. Only for
    arguments from a small fixed set (the catalogue's course and lesson slugs, static file
    names): the header and a lesson page build about twenty links on every view, and each
    `url_for` cost as much as a database read (bench/floor.py)."""

    def __init__(self) -> None:
        self._built: dict[tuple, str] = {}

    def __call__(self, endpoint: str, **values: str) -> str:
        key = (endpoint, *values.items())
        url = self._built.get(key)
        if url is None:
            url = self._built[key] = url_for(endpoint, **values)
        return url


def fixed_urls() -> FixedUrls:
    """The fixed links of this app under the request's script root."""
    by_root = current_app.extensions.setdefault("elearn.fixed_urls", {})
    root = request.script_root if has_request_context() else ""
    urls = by_root.get(root)
    if urls is None:
        urls = by_root.setdefault(root, FixedUrls())
    return urls


def fixed_url(endpoint: str, **values: str) -> str:
    """Template global: see FixedUrls (pages get the request's own instance from the context
    processor below, which spares each call the look-ups of the app and the request)."""
    return fixed_urls()(endpoint, **values)


def register_context(app: Flask) -> None:
    app.add_template_filter(localised, "lt")
    # Replace Flask-Babel's filters of the same names: Vietnamese pages write 31/12/2026.
    app.add_template_filter(format_day, "dateformat")
    app.add_template_filter(format_moment, "datetimeformat")
    app.add_template_global(held_roles, "held_roles")
    app.add_template_global(fixed_url, "fixed_url")
    app.add_template_global(site_menu, "site_menu")
    app.add_template_global(is_current, "is_current")
    app.add_template_global(public_url_for, "public_url_for")
    app.add_template_global(units_in_scope, "units_in_scope")
    app.add_template_filter(level_label, "level_label")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(course_title, "course_title")

    # The header's two small forms (sign out, language) need only the CSRF token, which
    # the templates take from Flask-WTF's `csrf_token()`: building two form objects for every
    # page cost ~0.3 ms a request (bench/profile_routes.py).
    @app.context_processor
    def common():
        return {
            "current_language": str(get_locale() or "vi"),
            "languages": app.config["LANGUAGES"],
            "fixed_url": fixed_urls(),
            "csrf_token": page_csrf_token,  # in place of Flask-WTF's: see csrf_tokens
        }
