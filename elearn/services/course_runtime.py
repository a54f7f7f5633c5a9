"""Keeping each worker's courses in step with the database, without a restart.

Every worker (and every host) has its own registry. Before a request it compares, at most
every COURSE_REVISION_CHECK_SECONDS, the registry revision in the database (one small row)
with the revision its registry was built at; when it moved (an activation, a reload, here or
on another host) the worker rebuilds its courses: folders re-scanned, active packages
extracted. The loader's cache by content makes an unchanged course free to rebuild.
"""
from __future__ import annotations

import threading
import time

from flask import Flask, current_app

from ..registry import Registry, rebuild_courses
from . import course_packages
from .course_packages import CHECKED_AT

REVISION = "elearn.course_revision"
_LOCK = "elearn.course_revision_lock"


def init_app(app: Flask) -> None:
    # Revision 0 is "nothing was ever published or reloaded": what start-up built.
    app.extensions[REVISION] = 0
    app.extensions[CHECKED_AT] = float("-inf")
    app.extensions[_LOCK] = threading.Lock()
    app.before_request(refresh_if_changed)


def refresh_if_changed() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    interval = float(app.config["COURSE_REVISION_CHECK_SECONDS"])
    now = time.monotonic()
    if now - app.extensions[CHECKED_AT] < interval:
        return
    app.extensions[CHECKED_AT] = now
    revision = course_packages.current_revision()
    if revision is None or revision == app.extensions[REVISION]:
        return
    with app.extensions[_LOCK]:
        if revision != app.extensions[REVISION]:
            rebuild(app)
            app.extensions[REVISION] = revision


def rebuild(app: Flask) -> Registry:
    """Read every course again (folders and active packages) into a new registry."""
    registry = rebuild_courses(app.extensions["elearn.registry"],
                               app.extensions["elearn.plugin_manager"], app,
                               course_packages.published_folders())
    app.extensions["elearn.registry"] = registry  # one assignment: requests see old or new
    return registry
