"""`flask elearn …` commands. The group is built per app so plugins can add to it safely."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .content.errors import CourseLoadError
from .content.loader import is_course_folder, load_course
from .registry import current_registry


def make_cli() -> click.Group:
    @click.group("elearn", help="elearn administration: plugins, courses, demo data.")
    def cli() -> None:
        pass

    cli.add_command(plugins_command)
    cli.add_command(courses_group())
    cli.add_command(demo_group())
    return cli


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
        """Validate course folders (default: every registered course) and list all errors."""
        registry = current_registry()
        failures = 0
        if paths:
            folders = [p for path in paths for p in _course_folders(path)]
            if not folders:
                click.echo(f"no course.yaml found under {', '.join(map(str, paths))}", err=True)
                sys.exit(2)
            for folder in folders:
                try:
                    course = load_course(folder, registry.question_types)
                    click.echo(f"ok  {course.slug}  v{course.version}  {folder}")
                except CourseLoadError as exc:
                    failures += len(exc.errors)
                    for error in exc.errors:
                        click.echo(str(error), err=True)
        else:
            for course in registry.courses.values():
                click.echo(f"ok  {course.slug}  v{course.version}  {course.path or ''}")
            for problem in registry.course_problems:
                failures += len(problem.errors)
                for error in problem.errors:
                    click.echo(str(error), err=True)
        if failures:
            click.echo(f"{failures} problem(s) found", err=True)
            sys.exit(1)

    return courses


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
