"""The load benchmark's plugin: `flask elearn bench seed` (bulk benchmark data).

Not part of the product. bench/run.py loads it with ELEARN_PLUGINS=elearn_bench and bench/ on
PYTHONPATH; see bench/README.md.
"""
from __future__ import annotations

import click

from elearn.api import hookimpl

from .cli import bench_group

__version__ = "0.1.0"


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(bench_group())
