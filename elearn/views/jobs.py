"""A person's own jobs: progress while it runs, then the result (a report or a file)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user

from ..models import Job
from ..security import AUTHENTICATED, permission
from ..services import job_handlers, jobs

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def own_job_or_404(job_id: int) -> Job:
    """Only the person who asked sees a job: its result may hold temporary passwords."""
    job = jobs.get_job(job_id)
    if job is None or job.requested_by_id != current_user.id:
        abort(404)
    return job


@bp.get("/")
@permission(AUTHENTICATED)
def mine():
    return render_template("jobs/index.html", jobs=jobs.jobs_of(current_user))


@bp.get("/<int:job_id>")
@permission(AUTHENTICATED)
def show(job_id: int):
    job = own_job_or_404(job_id)
    report = (job_handlers.import_report(job) if job.kind == job_handlers.PEOPLE_IMPORT
              else None)
    offers_file = job.kind in job_handlers.DOWNLOADS
    return render_template("jobs/show.html", job=job, report=report, offers_file=offers_file,
                           downloadable=offers_file and jobs.result_available(job))


@bp.get("/<int:job_id>/download")
@permission(AUTHENTICATED)
def download(job_id: int):
    job = own_job_or_404(job_id)
    if job.kind not in job_handlers.DOWNLOADS or not jobs.result_available(job):
        abort(404)
    return send_file(Path(job.result_path), as_attachment=True,
                     download_name=job.result_name or Path(job.result_path).name,
                     max_age=0)
