"""Run queued jobs through the real queue and a real (threaded) Huey consumer."""
from __future__ import annotations

import time
from typing import Any

from flask import Flask


def job_id_from(response: Any) -> int:
    """The job a queued request redirected to (/jobs/<id>)."""
    assert response.status_code == 303, response.status_code
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def wait_until_finished(app: Flask, timeout: float = 60) -> list[Any]:
    """Every job row once all are finished (or at the timeout), detached from the session."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Job

    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            found = list(db.session.scalars(select(Job).order_by(Job.id)))
            if all(job.finished for job in found) or time.monotonic() > deadline:
                for job in found:
                    db.session.expunge(job)
                return found
        time.sleep(0.1)


def run_queued_jobs(app: Flask, timeout: float = 60) -> list[Any]:
    """Start a real Huey consumer (threads), let it run every queued job, stop it."""
    from ..jobqueue import EmbeddedWorker

    with EmbeddedWorker(app):
        return wait_until_finished(app, timeout)
