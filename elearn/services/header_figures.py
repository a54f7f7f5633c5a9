"""Per-person figures the page header shows (the `header_figures` hook: the built-in
notifications' unread count), read in the sign-in look-up's own statement (`sessions`).

One statement for the sign-in and every figure, instead of a query per figure on every
signed-in page: on PostgreSQL each query is a round trip to a server sharing the app's cores.
A figure's SQL runs in that statement, so a broken one would stop every sign-in: the first
failure tries each figure alone, reports the failing ones (log and /admin/plugins, with the
plugin's hook) and drops them for this app; the others stay.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import Flask, current_app
from sqlalchemy import Select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..plugin_guard import guarded_impl, implementations, report

KIND = "header_figures"


@dataclass(frozen=True, eq=False)  # compared as objects: `column == …` would be SQL
class Figure:
    name: str
    column: Any  # a scalar sub-select correlated on User.id
    plugin: str
    function: Callable


def _collect(app: Flask) -> tuple[Figure, ...]:
    """Every plugin's figures (the first of a name wins); a hook that raises adds none."""
    found: dict[str, Figure] = {}
    for impl in implementations(app.extensions["elearn.plugin_manager"].hook.header_figures):
        result, failure = guarded_impl(KIND, impl)
        if failure is not None or not isinstance(result, dict):
            continue
        for name, column in result.items():
            found.setdefault(str(name), Figure(str(name), column, impl.plugin_name,
                                               impl.function))
    return tuple(found.values())


def figures() -> tuple[Figure, ...]:
    """This app's working figures, collected on first use."""
    app = current_app._get_current_object()
    known = app.extensions.get("elearn.header_figures")
    if known is None:
        known = app.extensions["elearn.header_figures"] = _collect(app)
    return known


def drop_failing(session: Any, statement_for: Callable[[tuple[Figure, ...]], Select],
                 params: dict[str, Any], error: SQLAlchemyError) -> None:
    """After the look-up with figures failed: keep the figures that work alone, report and
    drop the others. `session` has been rolled back."""
    kept = []
    for figure in figures():
        try:
            session.execute(statement_for((figure,)), params).first()
            kept.append(figure)
        except (DBAPIError, SQLAlchemyError) as failure:
            session.rollback()
            # The SQL failed in the database, not in the plugin's code: point at its hook.
            report(KIND, figure.plugin, figure.function, failure.with_traceback(None),
                   subject=figure.name)
    if len(kept) == len(figures()):  # not the figures' fault: the look-up itself failed
        raise error
    current_app.extensions["elearn.header_figures"] = tuple(kept)
