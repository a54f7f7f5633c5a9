"""Default plugin: course folders from the configured directories (COURSE_DIRS)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from ..api import config_list, hookimpl


@hookimpl
def register_courses(app: Flask) -> list[Path]:
    return [Path(folder) for folder in config_list(app.config.get("COURSE_DIRS"))]
