"""Recent plugin failures: written after each request, pruned per plugin, read by
/admin/plugins.

`elearn.plugin_guard` only collects failures during a request; they are written here when
the app context ends, in their own transaction, so recording a grader's failure never commits
(or rolls back) half of the request's own work.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..models import PluginFailureEntry
from ..plugin_guard import PluginFailure, pending_failures
from ..plugins import PluginInfo
from ..registry import current_registry

log = logging.getLogger(__name__)
KEPT_PER_PLUGIN = 20


@dataclass(frozen=True)
class PluginStatus:
    """One loaded plugin with its most recent failures, newest first."""

    info: PluginInfo
    failures: tuple[PluginFailureEntry, ...]


def record(failures: list[PluginFailure]) -> None:
    """Store failures and keep only the newest `PLUGIN_FAILURES_KEPT` per plugin. Commits."""
    if not failures:
        return
    kept = int(current_app.config.get("PLUGIN_FAILURES_KEPT", KEPT_PER_PLUGIN))
    db.session.add_all(PluginFailureEntry(plugin=f.plugin, kind=f.kind, location=f.location,
                                          error=f.error, subject=f.subject) for f in failures)
    db.session.flush()
    for plugin in {f.plugin for f in failures}:
        oldest_kept = db.session.scalar(
            select(PluginFailureEntry.id).where(PluginFailureEntry.plugin == plugin)
            .order_by(PluginFailureEntry.id.desc()).offset(kept - 1).limit(1))
        if oldest_kept is not None:
            db.session.execute(delete(PluginFailureEntry).where(
                PluginFailureEntry.plugin == plugin, PluginFailureEntry.id < oldest_kept))
    db.session.commit()


def recent(plugin: str) -> tuple[PluginFailureEntry, ...]:
    return tuple(db.session.scalars(
        select(PluginFailureEntry).where(PluginFailureEntry.plugin == plugin)
        .order_by(PluginFailureEntry.id.desc())))


def overview() -> list[PluginStatus]:
    """Every loaded plugin (name, version, hooks) with its recent failures; failures of a
    plugin no longer loaded are listed too, so nothing that happened is hidden."""
    infos = {info.name: info for info in current_registry().plugins}
    failing = set(db.session.scalars(select(PluginFailureEntry.plugin).distinct()))
    for name in sorted(failing - set(infos)):
        infos[name] = PluginInfo(name, "-", (), "-")
    return [PluginStatus(info, recent(name)) for name, info in infos.items()]


def _write_pending(_exc: BaseException | None = None) -> None:
    failures = pending_failures()
    if not failures:
        return
    # Start from a fresh session: the request's own work is finished (committed or not).
    db.session.remove()
    try:
        record(failures)
    except Exception:  # noqa: BLE001 - e.g. an unmigrated database; the log still has them
        log.exception("could not record %d plugin failure(s)", len(failures))
    finally:
        db.session.remove()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_write_pending)
