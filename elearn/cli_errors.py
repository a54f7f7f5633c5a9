"""`flask elearn …` answers like the site: a problem the person can fix is ONE translated line
on stderr saying what is wrong and what to run, and a non-zero exit, never a traceback.

Done once, in the group every `flask elearn` command (plugins' included) runs under, so a new
command gets it without doing anything. A database error is diagnosed afresh rather than read
from the driver's message: can we connect at all, and is the schema at this code's revision?
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NoReturn

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import ScriptInfo
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

USAGE_EXIT = 2
"""Click's own exit status for bad arguments, kept."""

FAILURE_EXIT = 1


class AnswerInOneLine(click.Group):
    """A click group whose commands report bad arguments and database trouble in one line."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        # The group's own options are parsed here, before invoke (`flask elearn --bad`).
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `flask elearn` alone shows the help, as before
        except click.UsageError as error:
            _fail(parent, lambda: usage_problem(error), USAGE_EXIT)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            _fail(ctx, lambda: usage_problem(error), USAGE_EXIT)
        except click.FileError as error:  # a lazily opened --out file, say
            _fail(ctx, lambda: _("Error: %(problem)s", problem=_(
                "cannot open %(file)s: %(reason)s", file=error.ui_filename,
                reason=error.message)), error.exit_code)
        except SQLAlchemyError as error:
            # The traceback stays available to whoever runs with ELEARN_LOG_LEVEL=DEBUG.
            logging.getLogger(__name__).debug("flask elearn: database error", exc_info=error)
            _fail(ctx, lambda: database_problem(error), FAILURE_EXIT)


def _fail(ctx: click.Context | None, message: Callable[[], str], status: int) -> NoReturn:
    """Print the message in the site's language and exit. `flask` keeps an app context open
    for the whole command; a leaf's `with_appcontext` (the test runner's only one) has closed
    its own by now, so the message is worded inside one either way."""
    ctx = ctx or click.get_current_context(silent=True)
    if current_app or ctx is None:  # no ctx: the group run on its own, without flask
        text = message()
    else:
        with ctx.ensure_object(ScriptInfo).load_app().app_context():
            text = message()
    click.echo(" ".join(text.split()), err=True)  # one line, whatever the message held
    raise click.exceptions.Exit(status)


def command_line(ctx: click.Context | None) -> str:
    """`flask elearn audit verify` for the command a context runs, however flask was started
    (`python -m flask`, `.venv/bin/flask`)."""
    names: list[str] = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["flask", *reversed(names)])


def usage_problem(error: click.UsageError) -> str:
    """Bad arguments: what is wrong, then the help to read. Click's own detail (a path that
    does not exist, a number out of range) is kept as click words it."""
    if isinstance(error, click.exceptions.NoSuchOption):
        problem = _("there is no option %(option)s", option=error.option_name)
    elif isinstance(error, click.exceptions.NoSuchCommand):
        problem = _("there is no command %(command)s", command=error.command_name)
    elif isinstance(error, click.exceptions.MissingParameter):
        problem = _("%(param)s is missing", param=_param_name(error))
    elif isinstance(error, click.BadParameter):
        problem = _("invalid value for %(param)s: %(reason)s", param=_param_name(error),
                    reason=error.message)
    else:
        problem = error.message
    return _("Error: %(problem)s. Run `%(command)s --help` to see how to use it.",
             problem=problem.rstrip("."), command=command_line(error.ctx))


def _param_name(error: click.BadParameter) -> str:
    """`--uses`, `PATHS...`: the option or argument as --help shows it."""
    hint = error.param_hint
    if hint is None and error.param is not None and error.ctx is not None:
        hint = error.param.get_error_hint(error.ctx)
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    return str(hint or "?").replace("'", "")


def database_problem(error: SQLAlchemyError) -> str:
    """Why a command could not use the database, and what to do about it."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass  # the connection is gone: the diagnosis below says so
    engine = db.engine
    url = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection, _quiet("alembic"):
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as unreachable:
        if engine.dialect.name == "sqlite":
            return _("Cannot open the database file %(url)s (%(reason)s): check "
                     "ELEARN_DATABASE_URL and that its folder exists and can be written.",
                     url=url, reason=_driver_reason(unreachable))
        return _("Cannot reach the database %(url)s (%(reason)s): check ELEARN_DATABASE_URL "
                 "and that the database server is running.", url=url,
                 reason=_driver_reason(unreachable))
    heads = ScriptDirectory(current_app.extensions["migrate"].directory).get_heads()
    if current is None:
        return _("The database has not been created: run `flask db upgrade`.")
    if current not in heads:
        return _("The database is at revision %(current)s and this version of elearn needs "
                 "%(head)s: run `flask db upgrade`.", current=current, head=", ".join(heads))
    return _("Database error: %(reason)s", reason=_driver_reason(error))


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Alembic announces its context at INFO: not a line for the person reading the error."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _driver_reason(error: SQLAlchemyError) -> str:
    """The driver's first line (`connection refused`, `no such table: x`), without the SQL."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
