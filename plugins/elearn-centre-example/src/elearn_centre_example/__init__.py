"""Example plugin of a district political centre: one bundled course, one question type
(`fill_blanks`, with its own template), and a notification channel to the centre's own
gateway (`webhook.py`, signed JSON: the pattern for SMS, Zalo or push).

Copy this folder to start your centre's own plugin: rename the package, replace the course
folder, keep the entry point in pyproject.toml.
"""
from __future__ import annotations

from pathlib import Path

from elearn.api import hookimpl

from .fill_blanks import FillBlanks
from .webhook import configured_channels

__version__ = "1.0.0"

COURSES = Path(__file__).resolve().parent / "courses"


@hookimpl
def register_courses(app):
    return [COURSES]


@hookimpl
def register_question_types():
    return [FillBlanks]


@hookimpl
def register_notification_channels():
    return configured_channels()
