"""Helpers for tests that run jobs through the real queue and a real consumer."""
from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import select

from elearn.extensions import db
from elearn.jobqueue import EmbeddedWorker
from elearn.models import Job


def job_id_from(response) -> int:
    """The job a queued request redirected to (/jobs/<id>)."""
    assert response.status_code == 303, response.status_code
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def wait_until_finished(app: Flask, timeout: float = 60) -> list[Job]:
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            found = list(db.session.scalars(select(Job).order_by(Job.id)))
            if all(job.finished for job in found) or time.monotonic() > deadline:
                for job in found:
                    db.session.expunge(job)
                return found
        time.sleep(0.1)


def run_queued_jobs(app: Flask, timeout: float = 60) -> list[Job]:
    """Start a real Huey consumer (threads), let it run every queued job, stop it."""
    with EmbeddedWorker(app):
        return wait_until_finished(app, timeout)
