"""`flask elearn …` commands. The group is built per app so plugins can add to it safely."""
from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from . import jobqueue
from .bank_cli import bank_group
from .counters_cli import counters_group
from .cli_errors import AnswerInOneLine
from .content.english_coverage import english_gaps
from .content.errors import CourseLoadError
from .content.loader import is_course_folder, load_course
from .content.model import Course
from .content.scaffold import ScaffoldRefused, write_scaffold
from .clock import local_today
from .extensions import db
from .guess_cli import echo_report
from .lessons_cli import lessons_group
from .models import Role
from .ops_cli import backup_group, keys_group
from .registry import completion_rule_problem, current_registry
from .services import (
    accounts, audit, completions, course_versions, imports, invitations, job_handlers, jobs,
)
from .services.imports import ImportReport
from .services.orgs import unit_by_code


def make_cli() -> click.Group:
    @click.group("elearn", cls=AnswerInOneLine,
                 help="elearn administration: plugins, courses, demo data.")
    def cli() -> None:
        pass

    cli.add_command(plugins_command)
    cli.add_command(courses_group())
    cli.add_command(demo_group())
    cli.add_command(units_group())
    cli.add_command(people_group())
    cli.add_command(invitations_group())
    cli.add_command(audit_group())
    cli.add_command(worker_command())
    cli.add_command(bank_group())
    cli.add_command(lessons_group())
    cli.add_command(keys_group())
    cli.add_command(backup_group())
    cli.add_command(counters_group())
    return cli


def audit_group() -> click.Group:
    @click.group("audit")
    def audit_cli() -> None:
        """The hash-chained, key-authenticated audit log and the evidence it protects."""

    @audit_cli.command("verify")
    @click.option("--head", "head_file", type=click.File("r", encoding="utf-8"),
                  help="A head saved by `audit export`: the chain must still contain it.")
    @with_appcontext
    def verify(head_file) -> None:
        """Check the chain and every completion's status; one line per problem, exit 1."""
        head = None
        if head_file is not None:
            try:
                head = audit.Head.from_dict(json.load(head_file))
            except (ValueError, json.JSONDecodeError):
                click.echo(_("%(file)s is not an audit head saved by flask elearn audit export",
                             file=head_file.name), err=True)
                sys.exit(2)
        report = audit.verify_chain(head)
        problems = completions.integrity_problems()
        if not report.ok:
            click.echo(_("audit log broken at entry %(seq)d: %(problem)s",
                         seq=report.first_bad_seq, problem=report.problem), err=True)
        for problem in problems:
            click.echo(_("completion %(code)s: %(problem)s", code=problem.subject,
                         problem=problem.message), err=True)
        if not report.ok or problems:
            sys.exit(1)
        click.echo(_("audit log intact: %(count)d entries; every completion's status is "
                     "consistent", count=report.checked))

    @audit_cli.command("export")
    @click.option("--out", "out", type=click.File("w", encoding="utf-8"), default="-",
                  help="File to write (default: standard output).")
    @with_appcontext
    def export(out) -> None:
        """Write the chain's head (seq, hash, mac, time) as JSON, to keep away from the
        database: `audit verify --head FILE` then detects entries cut off after it."""
        out.write(json.dumps(audit.export_head().as_dict(), indent=2) + "\n")

    @audit_cli.command("seal")
    @with_appcontext
    def seal() -> None:
        """One-time upgrade step: authenticate audit entries and sign revocations written
        before the audit key existed. Run it once, right after `flask db upgrade`."""
        try:
            entries = audit.seal_legacy()
        except audit.SealRefused as refused:
            db.session.rollback()
            click.echo(_("nothing sealed: %(problem)s", problem=str(refused)), err=True)
            sys.exit(1)
        revocations = completions.seal_legacy_revocations()
        db.session.commit()
        click.echo(_("sealed %(entries)d audit entries and %(revocations)d revocations",
                     entries=entries, revocations=revocations))

    return audit_cli


def _print_report(report: ImportReport, dry_run: bool) -> None:
    for problem in report.problems:
        click.echo(f"error: {problem}", err=True)
    for row in report.rows:
        if row.errors:
            for error in row.errors:
                click.echo(f"line {row.line}: {row.key}: {error}", err=True)
        else:
            detail = f"  temporary password: {row.detail}" if row.detail else ""
            click.echo(f"line {row.line}: {row.key}: {row.action}{detail}")
    if not report.ok:
        click.echo(f"{report.error_count} problem(s); nothing was changed", err=True)
        sys.exit(1)
    click.echo("dry run: every row is correct; nothing was changed" if dry_run
               else f"imported {len(report.rows)} row(s)")


def _wait_for_job(job_id: int):
    """Wait for a job, printing progress. The job runs here, in this process, unless a
    worker already has it: the command works with no worker running (embedded default)."""
    last: list[str] = []

    def show(job) -> None:
        line = f"job {job.id}: {job.status} {job.done}/{job.total or '?'}"
        if not last or last[-1] != line:
            click.echo(line, err=True)
            last.append(line)

    app = current_app._get_current_object()

    def run_here() -> None:
        with app.app_context():
            jobs.execute(job_id, job_handlers.HANDLERS)

    runner = threading.Thread(target=run_here, name=f"job-{job_id}", daemon=True)
    runner.start()
    job = jobs.wait_for(job_id, timeout=24 * 3600, poll=0.5, on_progress=show)
    runner.join()
    return job


def worker_command() -> click.Command:
    @click.command("worker")
    @click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
                  help="Jobs run at once (threads).")
    @with_appcontext
    def worker(workers: int) -> None:
        """Run the job queue's consumer (imports, exports, expiry of result files)."""
        app = current_app._get_current_object()
        jobs.requeue_orphans()
        click.echo(f"elearn worker: {workers} thread(s) on "
                   f"{'Redis' if app.config.get('REDIS_URL') else 'the SQLite queue'}", err=True)
        jobqueue.make_consumer(app, workers).run()

    return worker


def units_group() -> click.Group:
    @click.group("units")
    def units() -> None:
        """The organisation tree."""

    @units.command("import")
    @click.argument("file", type=click.File("rb"))
    @click.option("--dry-run", is_flag=True, help="Check every row and change nothing.")
    @with_appcontext
    def import_units(file, dry_run: bool) -> None:
        """Create or update units from CSV (code,name,level,parent_code), idempotent by code."""
        _print_report(imports.import_units(file.read(), dry_run=dry_run), dry_run)

    return units


def people_group() -> click.Group:
    @click.group("people")
    def people() -> None:
        """Accounts."""

    @people.command("import")
    @click.argument("file", type=click.File("rb"))
    @click.option("--dry-run", is_flag=True, help="Check every row and change nothing.")
    @click.option("--wait/--no-wait", default=True, show_default=True,
                  help="Wait for the job, printing progress, then print every row's result.")
    @with_appcontext
    def import_people(file, dry_run: bool, wait: bool) -> None:
        """Create people from CSV (as a job); prints each new username and temporary
        password once."""
        job = job_handlers.submit_people_import(
            file.read(), dry_run=dry_run, requested_by=None, scope_paths=None,
            locale=current_app.config["BABEL_DEFAULT_LOCALE"])
        click.echo(f"job {job.id}: {job.status}", err=True)
        if not wait:
            return
        job = _wait_for_job(job.id)
        report = job_handlers.import_report(job)
        if report is None:
            click.echo(f"job {job.id} {job.status}: {job.error or 'no report'}", err=True)
            sys.exit(1)
        _print_report(report, dry_run)

    @people.command("create-admin")
    @click.argument("username")
    @click.option("--unit", "unit_code", required=True, help="Code of the unit administered.")
    @click.option("--name", "full_name", required=True)
    @click.password_option()
    @with_appcontext
    def create_admin(username: str, unit_code: str, full_name: str, password: str) -> None:
        """Create an administrator for a unit's subtree (first set-up of a real site)."""
        unit = unit_by_code(unit_code)
        if unit is None:
            raise click.UsageError(_("there is no unit with code %(code)s", code=unit_code))
        if accounts.find_user(username):
            raise click.UsageError(_("%(username)s already exists", username=username))
        user = accounts.create_user(username, full_name, password, unit)
        accounts.grant_role(user, Role.ADMIN, unit)
        db.session.commit()
        click.echo(f"created administrator {user.username} for {unit.code}")

    return people


def invitations_group() -> click.Group:
    @click.group("invitations")
    def invitations_cli() -> None:
        """Invitation codes for joining a unit."""

    @invitations_cli.command("create")
    @click.option("--unit", "unit_code", required=True)
    @click.option("--uses", default=30, show_default=True, type=click.IntRange(1, 10000))
    @click.option("--days", default=30, show_default=True, type=click.IntRange(1, 365))
    @click.option("--audience", default="cadre", show_default=True,
                  type=click.Choice(["cadre", "student"]))
    @with_appcontext
    def create(unit_code: str, uses: int, days: int, audience: str) -> None:
        """Create a code and print it."""
        unit = unit_by_code(unit_code)
        if unit is None:
            raise click.UsageError(_("there is no unit with code %(code)s", code=unit_code))
        invitation = invitations.create_invitation(unit, audience=audience, max_uses=uses,
                                                   days=days)
        db.session.commit()
        click.echo(invitation.code)

    return invitations_cli


@click.command("plugins")
@with_appcontext
def plugins_command() -> None:
    """List the loaded plugins with version and the hooks they implement."""
    for info in current_registry().plugins:
        click.echo(f"{info.name}  {info.version}  [{info.origin}]")
        click.echo(f"    hooks: {', '.join(info.hooks) or '-'}")


def courses_group() -> click.Group:
    @click.group("courses")
    def courses() -> None:
        """Check and list course content."""

    @courses.command("list")
    @with_appcontext
    def list_courses() -> None:
        """Show the courses that loaded, with version and content hash."""
        registry = current_registry()
        for course in registry.courses.values():
            click.echo(f"{course.slug}  v{course.version}  {course.kind}  {course.year}  "
                       f"{course.content_hash[:16]}  ({course.source})  {course.title}")
        for problem in registry.course_problems:
            click.echo(f"NOT LOADED ({problem.source}): {problem.folder or '-'}", err=True)
            for error in problem.errors:
                click.echo(f"    {error}", err=True)

    @courses.command("check")
    @click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @with_appcontext
    def check_courses(paths: tuple[Path, ...]) -> None:
        """Validate course folders (default: every registered course) and list all errors.

        Everything the site would refuse is an error: file:line problems, an unknown or
        impossible completion rule. Under each course that loads, a table gives the chance
        that someone who has not studied passes its quiz by guessing; above the course's
        limit the check fails. When the site's database is reachable, a course whose content
        changed while its `version` stayed the same as learners' records is warned about."""
        registry = current_registry()
        failures = 0
        loaded: list[tuple[Course, Path | None]] = []
        if paths:
            folders = [p for path in paths for p in _course_folders(path)]
            if not folders:
                click.echo(f"no course.yaml found under {', '.join(map(str, paths))}", err=True)
                sys.exit(2)
            for folder in folders:
                try:
                    loaded.append((load_course(folder, registry.question_types), folder))
                except CourseLoadError as exc:
                    failures += len(exc.errors)
                    for error in exc.errors:
                        click.echo(str(error), err=True)
        else:
            loaded = [(course, course.path) for course in registry.courses.values()]
            for problem in registry.course_problems:
                failures += len(problem.errors)
                for error in problem.errors:
                    click.echo(str(error), err=True)
        versions = _VersionCheck()
        for course, folder in loaded:
            refused = completion_rule_problem(course, registry.completion_rules)
            if refused is not None:  # registered courses never get here: start-up dropped them
                failures += 1
                click.echo(str(refused), err=True)
                continue
            click.echo(f"ok  {course.slug}  v{course.version}  {folder or ''}")
            failures += not echo_report(course, registry.question_types, click.echo)
            for gap in english_gaps(course):
                click.echo("  " + _("warning: %(problem)s", problem=gap))
            versions.warn(course)
        if failures:
            click.echo(f"{failures} problem(s) found", err=True)
            sys.exit(1)

    @courses.command("package")
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
                  help="Zip file to write (default: SLUG-VERSION.zip here).")
    @with_appcontext
    def package_course(path: Path, out: Path | None) -> None:
        """Check a course folder and write it as a zip that /author/courses/upload accepts.
        The zip is deterministic: the same folder always gives the same bytes."""
        from .content.packages import build_zip
        from .services.course_packages import check_folder

        if not is_course_folder(path):
            raise click.UsageError(_("%(path)s has no course.yaml", path=path))
        report = check_folder(path, path.parent)
        if not report.ok:
            # One line: the first problem; `courses check` lists them all.
            click.echo(_("not packaged: %(error)s (%(num)d problem(s); flask elearn courses "
                         "check %(path)s lists them all)", error=report.errors[0],
                         num=len(report.errors), path=path), err=True)
            sys.exit(1)
        course = report.course
        target = out or Path(f"{course.slug}-{course.version}.zip")
        target.write_bytes(build_zip(path))
        click.echo(_("wrote %(file)s (%(slug)s v%(version)s, content hash %(hash)s)",
                     file=target, slug=course.slug, version=course.version,
                     hash=course.content_hash[:16]))

    @courses.command("reload")
    @with_appcontext
    def reload_command() -> None:
        """Make every running worker read the course folders again (no restart needed)."""
        from .services import course_packages

        course_packages.current_revision(strict=True)  # an unusable database: said in one line
        course_packages.reload_courses(None)
        click.echo(_("courses will be read again by every worker (revision %(num)s)",
                     num=course_packages.current_revision()))

    @courses.command("new")
    @click.argument("slug")
    @click.option("--dir", "root", default="courses", show_default=True,
                  type=click.Path(file_okay=False, path_type=Path),
                  help="Folder the new course folder is created in.")
    @with_appcontext  # for the site's language; the database is not touched
    def new_course(slug: str, root: Path) -> None:
        """Create a course folder with every field commented (Vietnamese and English), two
        sample lessons and a sample question bank; `courses check` accepts it as created."""
        try:
            folder = write_scaffold(root, slug, year=local_today().year)
        except ScaffoldRefused as refused:
            raise click.UsageError(str(refused)) from None
        click.echo(_("created %(folder)s: edit it, then run flask elearn courses check %(folder)s",
                     folder=folder))

    return courses


class _VersionCheck:
    """Warns when a course's content changed but its `version` is one learners' records
    already carry with other content. Reads the site's database when it is reachable; says
    once that it could not, and the check goes on."""

    def __init__(self) -> None:
        self.unavailable = False

    def warn(self, course: Course) -> None:
        if self.unavailable:
            return
        try:
            hashes = course_versions.recorded_hashes(course.slug, course.version)
        except course_versions.EvidenceUnavailable:
            self.unavailable = True
            click.echo(_("note: the site's database is not reachable, so versions were not "
                         "compared with learners' records"), err=True)
            return
        if hashes and course.content_hash not in hashes:
            click.echo(_("warning: %(slug)s: the content changed but 'version' is still "
                         "%(version)s, which learners studied with other content (%(old)s, now "
                         "%(new)s): raise 'version' in course.yaml",
                         slug=course.slug, version=course.version,
                         old=", ".join(sorted(h[:12] for h in hashes)),
                         new=course.content_hash[:12]), err=True)


def _course_folders(path: Path) -> list[Path]:
    if is_course_folder(path):
        return [path]
    return sorted(p for p in path.iterdir() if is_course_folder(p)) if path.is_dir() else []


def demo_group() -> click.Group:
    @click.group("demo")
    def demo() -> None:
        """Demo organisations and people for trying elearn out."""

    @demo.command("load")
    @with_appcontext
    def load() -> None:
        """Create the demo province and logins (idempotent: safe to run again)."""
        from .services.demo import DEMO_PASSWORD, load_demo

        people = load_demo()
        click.echo(f"Demo data ready on {current_app.config['SQLALCHEMY_DATABASE_URI']}")
        click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, description in people:
            click.echo(f"  {username:<16} {description}")

    return demo
