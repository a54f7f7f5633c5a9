"""What each kind of job does. Handlers run in a worker with an app context and the
requester's language; they report progress and leave their result in one file."""
from __future__ import annotations

import os
from typing import Any, Iterable, Iterator

from flask_babel import gettext as _, ngettext

from ..jobqueue import JobRunner
from ..models import Unit, User
from ..plugin_guard import PluginFailed, run_export
from ..registry import current_registry
from . import bulk_certificates, exports, imports, jobs, outbox, pledges
from .jobs import JobContext, JobRejected
from .orgs import unit_by_code

PEOPLE_IMPORT = "people_import"
EXPORT = "export"
EXPORT_PROGRESS_EVERY = 2000


# --- people import -----------------------------------------------------------------------

def submit_people_import(data: bytes, *, dry_run: bool, requested_by: User | None,
                         scope_paths: list[str] | None, locale: str) -> jobs.Job:
    """Store the upload and queue the import. `scope_paths` limits the units people may be
    placed in (an admin's subtrees); None (the command line) allows every unit."""
    params = {"dry_run": dry_run, "scope_paths": scope_paths, "locale": locale}
    # A dry run checks against today's data: asking again later is new work.
    return jobs.submit(PEOPLE_IMPORT, params, requested_by=requested_by, data=data,
                       window_seconds=60 if dry_run else None)


def import_report(job: jobs.Job) -> imports.ImportReport | None:
    data = jobs.read_json_result(job)
    return imports.ImportReport.from_dict(data) if data is not None else None


def _run_people_import(context: JobContext) -> None:
    job, params = context.job, context.job.params
    paths = params.get("scope_paths")

    def allowed(unit: Unit) -> bool:
        return paths is None or any(unit.path.startswith(path) for path in paths)

    path = context.result_file("import-report.json")

    def finish(report: imports.ImportReport) -> bool:
        report.applied = True
        jobs.write_json(path, report.to_dict())
        return context.mark_done_in_session(total=len(report.rows))

    try:
        report = imports.import_people(job.input or b"", dry_run=params["dry_run"],
                                       allowed=allowed, progress=context.progress,
                                       before_commit=finish)
    except imports.ImportAbandoned:
        _remove(path)
        raise
    if report.applied:
        return
    jobs.write_json(path, report.to_dict())
    if not report.ok:
        raise JobRejected(ngettext("%(num)d problem: nothing was imported.",
                                   "%(num)d problems: nothing was imported.",
                                   report.error_count))


def _remove(path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# --- exports -----------------------------------------------------------------------------

def submit_export(*, dataset: str, unit: Unit, extension: str, filters: dict[str, Any],
                  requested_by: User, locale: str) -> jobs.Job:
    params = {"dataset": dataset, "unit": unit.code, "extension": extension,
              "year": filters["year"], "course": filters["course"],
              "audience": filters["audience"], "locale": locale}
    # Asked twice within a minute (a double click) is one job; later is fresh data.
    return jobs.submit(EXPORT, params, requested_by=requested_by, unit=unit,
                       window_seconds=60)


def _run_export(context: JobContext) -> None:
    params = context.job.params
    unit = unit_by_code(params["unit"])
    exporter = next((e for e in current_registry().exporters.values()
                     if e.extension == params["extension"]), None)
    if unit is None or exporter is None or params["dataset"] not in exports.DATASETS:
        raise JobRejected(_("This export is no longer available."))
    header, rows, total = exports.dataset(unit, params["dataset"], year=params["year"],
                                          course=params["course"],
                                          audience=params["audience"])
    context.progress(0, total)
    name = f"{params['dataset']}-{unit.code}-{params['year']}.{exporter.extension}"
    path = context.result_file(name)
    partial = path.with_suffix(path.suffix + ".part")
    with open(partial, "wb") as handle:
        try:
            for chunk in run_export(exporter, header, _counting(rows, context, total)):
                handle.write(chunk)
        except PluginFailed:
            raise JobRejected(_("The %(format)s export failed; try another format. The "
                                "administrator can see why on the plugins page.",
                                format=exporter.extension.upper())) from None
    os.replace(partial, path)   # a retry or a reader never sees half a file


def _counting(rows: Iterable[tuple], context: JobContext, total: int | None) -> Iterator[tuple]:
    for count, row in enumerate(rows, start=1):
        yield row
        if count % EXPORT_PROGRESS_EVERY == 0:
            context.progress(count, total)


# --- "you can file now" -------------------------------------------------------------------

def _run_can_file(context: JobContext) -> None:
    params = context.job.params
    context.progress(pledges.tell_who_can_file(int(params["filer"]), int(params["year"])))


HANDLERS = {PEOPLE_IMPORT: _run_people_import, EXPORT: _run_export,
            bulk_certificates.KIND: bulk_certificates.run,
            pledges.CAN_FILE_JOB: _run_can_file}
# Jobs whose result is a file the requester downloads (until it expires).
DOWNLOADS = frozenset({EXPORT, bulk_certificates.KIND})


def runner() -> JobRunner:
    """What the app's queue runs: each job with these handlers, and the periodic sweeps."""
    return JobRunner(
        run=lambda job_id, retries_left: jobs.execute(job_id, HANDLERS,
                                                      retries_left=retries_left),
        # Looked up at each call, so a test may replace a sweep on the module.
        housekeeping=lambda: (jobs.housekeeping(), outbox.requeue_stuck()),
        requeue_orphans=lambda: (jobs.requeue_orphans(), outbox.requeue_stuck()))
