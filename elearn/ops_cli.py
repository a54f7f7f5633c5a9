"""`flask elearn keys …` and `flask elearn backup …`: key rotation and backup/restore."""
from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from . import keyring
from .services import backup

KEYRINGS = click.Choice(sorted(keyring.NAMES))


def keys_group() -> click.Group:
    @click.group("keys")
    def keys_cli() -> None:
        """Signing keyrings (completion, audit): list and rotate. Secrets are never printed."""

    @keys_cli.command("list")
    @click.option("--keyring", "names", type=KEYRINGS, multiple=True,
                  help="Only this keyring (default: both).")
    @with_appcontext
    def list_keys(names) -> None:
        """Key ids, when each was created and which one signs; never the secrets."""
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        for name in names or sorted(keyring.NAMES):
            try:
                keys = keyring.listing(name)
            except keyring.KeyringError as error:
                click.echo(_("keyring %(name)s is broken: %(error)s", name=name,
                             error=str(error)), err=True)
                sys.exit(1)
            for key in keys:
                created = (key.created.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
                           if key.created else _("(from the settings, before rotation)"))
                marker = _("current") if key.current else ""
                click.echo(f"{name}\t{key.kid}\t{created}\t{marker}".rstrip())

    @keys_cli.command("rotate")
    @click.argument("name", type=KEYRINGS)
    @with_appcontext
    def rotate(name) -> None:
        """Make a new current key for NAME; older keys stay and keep verifying."""
        # Records signed under the new key must be able to name it: the schema must have
        # key ids (migration 0016) before the first rotation.
        backup.require_schema()
        try:
            kid = keyring.rotate(name)
        except keyring.KeyringError as error:
            click.echo(_("keyring %(name)s is broken: %(error)s", name=name,
                         error=str(error)), err=True)
            sys.exit(1)
        click.echo(_("keyring %(name)s: new current key %(kid)s; back up the keys folder "
                     "now", name=name, kid=kid))

    return keys_cli


def backup_group() -> click.Group:
    @click.group("backup")
    def backup_cli() -> None:
        """Back up and restore the database, the keyrings and the instance files."""

    @backup_cli.command("create")
    @click.option("--out", "out", required=True, type=click.Path(path_type=Path),
                  help="A new (or empty) folder to write the backup into.")
    @with_appcontext
    def create(out: Path) -> None:
        """Write a backup (it holds the signing keys: files are 0600, keep it safe)."""
        try:
            manifest = backup.create(out)
        except backup.BackupRefused as refused:
            click.echo(_("no backup made: %(problem)s", problem=str(refused)), err=True)
            sys.exit(1)
        click.echo(_("backup written to %(path)s: %(count)d files, schema revision "
                     "%(revision)s", path=str(out), count=len(manifest["files"]),
                     revision=manifest["alembic_revision"]))

    @backup_cli.command("restore")
    @click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
    @click.option("--force", is_flag=True,
                  help="Overwrite a database and keyrings that are not empty.")
    @with_appcontext
    def restore(source: Path, force: bool) -> None:
        """Restore a backup made by `backup create` into this site's database and
        instance folder."""
        try:
            done = backup.restore(source, force=force)
        except backup.BackupRefused as refused:
            click.echo(_("nothing restored: %(problem)s", problem=str(refused)), err=True)
            sys.exit(1)
        if len(done.keyrings) < len(keyring.NAMES):
            click.echo(_("warning: the backup holds no keys for %(names)s: what they signed "
                         "will read invalid", names=", ".join(
                             sorted(set(keyring.NAMES) - set(done.keyrings)))), err=True)
        click.echo(_("restored schema revision %(revision)s, keyrings %(keyrings)s and "
                     "%(files)d instance files; run flask db upgrade next",
                     revision=done.revision, keyrings=", ".join(done.keyrings) or "-",
                     files=done.files))

    return backup_cli
