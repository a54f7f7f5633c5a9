"""`flask elearn counters …`: rebuild the dashboard counters, or check them against a recount."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from .services import counters


def counters_group() -> click.Group:
    @click.group("counters")
    def counters_cli() -> None:
        """The per-unit counters the dashboards read (kept up to date by every change)."""

    @counters_cli.command("rebuild")
    @click.option("--batch", type=click.IntRange(1, 100_000), default=counters.BATCH,
                  show_default=True, help="Units recounted per transaction.")
    @click.option("--if-empty", is_flag=True,
                  help="Only when no counter is stored yet (right after the upgrade that adds "
                       "them); otherwise do nothing.")
    @with_appcontext
    def rebuild(batch: int, if_empty: bool) -> None:
        """Recompute every unit's counters from people, lessons, completions and pledges."""
        if if_empty and counters.built():
            click.echo(_("counters already built; nothing to do"))
            return
        units = counters.rebuild(batch=batch)
        click.echo(_("counters rebuilt for %(units)d units", units=units))

    @counters_cli.command("check")
    @with_appcontext
    def check() -> None:
        """Compare the counters with a recount; exit 1 listing each unit that differs."""
        differences = counters.check()
        for difference in differences:
            click.echo(_("unit %(code)s (id %(id)d): %(figures)s; run flask elearn counters "
                         "rebuild", code=difference.unit_code, id=difference.unit_id,
                         figures="; ".join(difference.lines)), err=True)
        if differences:
            sys.exit(1)
        click.echo(_("counters match a recount"))

    return counters_cli
