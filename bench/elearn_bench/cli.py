"""`flask elearn bench …`: data for the load benchmark (bench/run.py drives the server).

Only sites that load this plugin (ELEARN_PLUGINS=elearn_bench, with bench/ on the path) have
the command: `--force` drops every table, which no production admin CLI should offer."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext

from elearn.extensions import db


def bench_group() -> click.Group:
    @click.group("bench")
    def bench() -> None:
        """Benchmark data (see bench/README.md)."""

    @bench.command("seed")
    @click.option("--units", default=500, show_default=True, type=click.IntRange(1),
                  help="Units in the province (root, districts, grassroots, cells).")
    @click.option("--people", default=50_000, show_default=True, type=click.IntRange(1))
    @click.option("--completions", default=200_000, show_default=True, type=click.IntRange(0))
    @click.option("--attempts", default=150_000, show_default=True, type=click.IntRange(0),
                  help="Finished quiz attempts (each with its answers).")
    @click.option("--pledges", default=40_000, show_default=True, type=click.IntRange(0))
    @click.option("--seed", "random_seed", default=2026, show_default=True,
                  help="Random seed: the same seed and sizes build the same province.")
    @click.option("--copy", "use_copy", is_flag=True,
                  help="PostgreSQL only: write people, completions and pledges with COPY "
                       "(national sizes: 1,000,000 people in minutes; unsigned completions, "
                       "no lesson views, attempts or audit entries; see bench/elearn_bench/"
                       "bulk.py).")
    @click.option("--force", is_flag=True,
                  help="Drop EVERY table of the configured database and migrate it afresh "
                       "before seeding (all data in it is lost).")
    @with_appcontext
    def seed(units: int, people: int, completions: int, attempts: int, pledges: int,
             random_seed: int, use_copy: bool, force: bool) -> None:
        """Build a realistic bench province on ELEARN_DATABASE_URL, in bulk."""
        from flask_migrate import upgrade

        from elearn.services import counters

        from . import bulk, seeding

        url = db.engine.url.render_as_string(hide_password=True)
        if force:
            click.echo(f"dropping every table of {url} and migrating afresh")
            seeding.drop_and_recreate_schema()
        else:
            upgrade()  # an empty database gets the schema; a current one is left as it is
        if seeding.bench_province_exists():
            click.echo(f"error: the bench province (unit {seeding.BENCH_ROOT_CODE}) already "
                       f"exists in {url}. Use --force to drop every table and seed afresh "
                       "(all data in that database is lost), or point ELEARN_DATABASE_URL "
                       "at another database.", err=True)
            sys.exit(1)
        sizes = seeding.Sizes(units=units, people=people, completions=completions,
                              attempts=attempts, pledges=pledges)
        click.echo(f"seeding {url}: {units} units, {people} people, {completions} "
                   f"completions, {attempts} quiz attempts, {pledges} pledges")
        try:
            seed_with = bulk.seed_with_copy if use_copy else seeding.seed_province
            report = seed_with(sizes, seed=random_seed,
                               progress=lambda line: click.echo(f"  {line}"))
        except seeding.SeedError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        # Bulk rows bypass the services, so the dashboard counters are rebuilt, as an
        # operator does after a bulk import.
        started = time.perf_counter()
        units = counters.rebuild()
        click.echo(f"  counters rebuilt for {units} units in "
                   f"{time.perf_counter() - started:.1f}s")
        for note in report.notes:
            click.echo(f"note: {note}")
        click.echo(f"done in {report.seconds:.1f}s: " + ", ".join(
            f"{name} {count}" for name, count in report.counts.items()))
        click.echo(f"root unit {report.root_code}; every bench account ("
                   f"{seeding.USERNAME_PREFIX}00001…, {seeding.OFFICER}, {seeding.VERIFIER}, "
                   f"{seeding.INSPECTOR}) has the password {seeding.BENCH_PASSWORD}")

    return bench
