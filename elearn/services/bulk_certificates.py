"""A class's certificates in one ZIP: one PDF per valid completion, prepared by a job.

The centre picks a course (and optionally a unit, how it was studied, e.g. in class, and a
date range: an in-person session is "in class, on that day"); the bundle holds what the
centre's completions list shows for the same filters, minus revoked completions. Each PDF
comes from the same renderer and the same `certificate_data` as the single download, so a
bundled certificate is byte-for-byte the certificate the holder can download.
"""
from __future__ import annotations

import os
import zipfile
from datetime import date
from typing import Any, Iterator

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..clock import local_today
from ..content.banks.model import slugify
from ..extensions import db
from ..models import Completion, Job, User
from ..plugin_guard import run_render
from ..registry import current_registry
from . import codes, jobs
from .centre import CompletionFilter, completions_statement
from .certificates import certificate_data
from .jobs import JobContext, JobRejected

KIND = "bulk_certificates"
EXTENSION = "pdf"
BATCH = 50
PROGRESS_EVERY = 10
METHODS = ("online", "in_person")


def submit(paths: list[str], wanted: CompletionFilter, *, requested_by: User, base_url: str,
           locale: str) -> Job:
    """Queue the bundle for the requester's verifying scope (`paths`, fixed now, as the list
    shows it). Pressing again while it runs returns the same job."""
    params: dict[str, Any] = {
        "paths": sorted(paths), "course": wanted.course, "unit": wanted.unit,
        "method": wanted.method,
        "from": wanted.since.isoformat() if wanted.since else None,
        "to": wanted.until.isoformat() if wanted.until else None,
        # Links and QR codes need the site's address; a worker has no request to take it from
        # (ELEARN_PUBLIC_URL, when set, wins as for a single certificate).
        "base_url": base_url, "locale": locale}
    return jobs.submit_while_running(KIND, params, requested_by=requested_by)


def _filter(params: dict[str, Any]) -> CompletionFilter:
    return CompletionFilter(
        course=params["course"], unit=params.get("unit") or "", status="valid",
        method=params.get("method") or "",
        since=date.fromisoformat(params["from"]) if params.get("from") else None,
        until=date.fromisoformat(params["to"]) if params.get("to") else None)


def matching_ids(params: dict[str, Any]) -> list[int]:
    """Valid completions in the bundle, in the list's order (newest first)."""
    statement = completions_statement(params["paths"], _filter(params))
    # `revoked` set without a revocation row reads as revoked on the list too.
    statement = statement.where(Completion.revoked.is_(False))
    return list(db.session.scalars(statement.with_only_columns(Completion.id)))


def file_name(completion: Completion) -> str:
    """`nguyen-thi-anh-tuyet-ABCD-EFGH-JKM.pdf`: the folded name sorts and opens anywhere;
    the code makes it unique and matches the printed certificate."""
    return (f"{slugify(completion.user.full_name, limit=60) or 'certificate'}-"
            f"{codes.display(completion.code)}.{EXTENSION}")


def _completions(ids: list[int]) -> Iterator[Completion]:
    """The completions in batches (a class of thousands never sits in memory at once: the
    session keeps unchanged rows only while something refers to them)."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows = {c.id: c for c in db.session.scalars(
            select(Completion).where(Completion.id.in_(chunk))
            .options(joinedload(Completion.user).joinedload(User.unit),
                     joinedload(Completion.revocation)))}
        for completion_id in chunk:
            if completion_id in rows:
                yield rows[completion_id]


def run(context: JobContext) -> None:
    """The job: every PDF into a ZIP written beside the final name, then renamed."""
    params = context.job.params
    renderer = next((r for r in current_registry().certificate_renderers.values()
                     if r.extension == EXTENSION), None)
    course = current_registry().course(params["course"])
    if renderer is None or course is None:
        raise JobRejected(_("PDF certificates for this course are no longer available."))
    ids = matching_ids(params)
    if not ids:
        raise JobRejected(_("No valid completion matches these choices: there is nothing to "
                            "put in the file."))
    context.progress(0, len(ids))
    path = context.result_file(f"certificates-{course.slug}-{local_today().isoformat()}.zip")
    partial = path.with_suffix(path.suffix + ".part")
    done = 0
    with current_app.test_request_context(base_url=params["base_url"]), \
            force_locale(params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]), \
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for completion in _completions(ids):
            # Revoked since the job was asked for: left out, as the list would now show.
            if completion.revocation is None and not completion.revoked:
                body = run_render(renderer, certificate_data(completion))
                if body is None:
                    raise JobRejected(_("The PDF certificates could not be made right now; "
                                        "the administrator can see why on the plugins page."))
                archive.writestr(file_name(completion), body)
            done += 1
            if done % PROGRESS_EVERY == 0:
                context.progress(done, len(ids))
    os.replace(partial, path)   # a retry or a reader never sees half a file
    context.progress(done, len(ids))

