"""Signing keyrings with key ids (rotation keeps old records valid; a removed key makes its
records read invalid, never a 500) and the backup/restore round trip on both databases,
keys included (restored without them, every completion reads invalid: the point of backing
them up)."""
from __future__ import annotations

import json
import os
import shutil
import stat
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from elearn import keyring
from elearn.extensions import db
from elearn.models import AuditEntry, Completion, Pledge, Revocation, StudyPlan
from elearn.services import audit, codes, completions, pledges
from elearn.services.accounts import find_user
from elearn.testing import _pg_execute, _postgres_admin_url, _with_database, migrate_database

from kit import CENTRE_COURSE, build_centre, complete


@pytest.fixture
def site(make_app, tmp_path, monkeypatch):
    """A centre whose instance folder (keys included) is its own, not the checkout's."""
    monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app()
    with app.app_context():
        build_centre()
    return app


def cli(app, *words):
    return app.test_cli_runner().invoke(args=["elearn", *words])


def public_status(app, code: str) -> tuple[str, str]:
    """The status as the API says it and whether the page says valid (Hợp lệ)."""
    client = app.test_client()
    shown = codes.display(code)
    api = client.get(f"/api/v1/verify/{shown}")
    page = client.get(f"/verify/{shown}")
    assert api.status_code == 200 and page.status_code == 200
    return api.get_json()["status"], "Hợp lệ" if "Hợp lệ" in page.get_data(as_text=True) else ""


def test_rotation_keeps_old_records_valid_and_a_removed_key_reads_invalid(site):
    with site.app_context():
        old = complete()
        assert old.key_id == "k1"
        old_code = old.code
    listed = cli(site, "keys", "list", "--keyring", "completion")
    assert listed.exit_code == 0 and "k1" in listed.output
    rotated = cli(site, "keys", "rotate", "completion")
    assert rotated.exit_code == 0 and "k2" in rotated.output
    with site.app_context():
        new = complete(username="ban.ngoai")
        assert new.key_id == "k2"
        new_code = new.code
    assert public_status(site, old_code) == ("valid", "Hợp lệ")
    assert public_status(site, new_code) == ("valid", "Hợp lệ")
    listed = cli(site, "keys", "list", "--keyring", "completion").output
    lines = [line.split("\t") for line in listed.strip().splitlines()]
    assert [line[1] for line in lines] == ["k1", "k2"] and lines[1][-1] != lines[0][-1]
    with site.app_context():
        assert all(secret not in listed for secret in keyring.secrets_by_id("completion").values())
    folder = Path(site.instance_path) / "keys" / "completion"
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # Tampering is still caught under the new key.
    with site.app_context():
        db.session.execute(text("UPDATE completions SET score = 100 WHERE code = :c"),
                           {"c": new_code})
        db.session.commit()
    assert public_status(site, new_code)[0] == "invalid"

    # Remove k1: its record reads invalid, the page still answers (no 500).
    (folder / "k1.key").unlink()
    assert public_status(site, old_code) == ("invalid", "")
    with site.app_context():
        problems = {p.subject: p.message for p in completions.integrity_problems()}
        assert "k1" in problems[codes.display(old_code)]


def test_revocations_name_their_key_and_stay_valid_after_rotation(site):
    with site.app_context():
        completion = complete()
        completions.revoke(completion, "Sai đối tượng", find_user("ttct"))
        db.session.commit()
        revocation = db.session.scalar(select(Revocation))
        assert revocation.key_id == "k1"
        code = completion.code
    assert cli(site, "keys", "rotate", "completion").exit_code == 0
    assert cli(site, "keys", "rotate", "audit").exit_code == 0
    assert public_status(site, code)[0] == "revoked"
    with site.app_context():
        complete(username="ban.ngoai")
        db.session.commit()
        kinds = db.session.execute(select(AuditEntry.key_id).order_by(AuditEntry.seq)).scalars()
        assert list(kinds)[-1] == "k2"
        assert audit.verify_chain().ok and completions.integrity_problems() == []
    assert cli(site, "audit", "verify").exit_code == 0
    # Without the old audit key, the entries it authenticated are reported, in one line.
    (Path(site.instance_path) / "keys" / "audit" / "k1.key").unlink()
    broken = cli(site, "audit", "verify")
    assert broken.exit_code == 1 and "k1" in broken.output and "Traceback" not in broken.output
    with site.app_context():
        assert audit.verify_chain().reason == "unknown-key"


# -- backup and restore ------------------------------------------------------------------------


def fresh_database(app_url: str, tmp_path: Path) -> str:
    """A new database on the same backend as `app_url`, created by `flask db upgrade` as the
    restore procedure says."""
    if app_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        name = f"elearn_restore_{uuid.uuid4().hex[:12]}"
        _pg_execute(f'CREATE DATABASE "{name}"')
        url = _with_database(_postgres_admin_url(), name)
    migrate_database(url)
    return url


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        _pg_execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def restored_site(make_app, url: str, instance: Path, monkeypatch):
    monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(instance))
    return make_app(SQLALCHEMY_DATABASE_URI=url)


def build_evidence(site) -> list[str]:
    assert cli(site, "keys", "rotate", "completion").exit_code == 0  # two keys in use
    with site.app_context():
        first = complete()
        revoked = complete(username="ban.ngoai")
        completions.revoke(revoked, "Sai đối tượng", find_user("ttct"))
        db.session.commit()
        learner = find_user("hoc.vien")
        plan = StudyPlan(year=2026, unit_id=learner.unit_id, audience="all",
                         courses=json.dumps([CENTRE_COURSE]), deadline=date(2026, 12, 31),
                         superiors_first=True, template=pledges.DEFAULT_TEMPLATE, title="KH")
        db.session.add(plan)
        db.session.flush()
        pledges.pledge_for(learner, plan)
        db.session.commit()
        return [first.code, revoked.code]


def test_backup_and_restore_round_trip_keeps_every_signature_valid(
        site, make_app, database_url, tmp_path, monkeypatch):
    with site.app_context():
        old_code = complete(username="ttct").code  # signed under k1, before the rotation
    codes_made = [old_code, *build_evidence(site)]
    out = tmp_path / "backup"
    made = cli(site, "backup", "create", "--out", str(out))
    assert made.exit_code == 0, made.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["alembic_revision"] and manifest["created"]
    assert "keys/completion/k1.key" in manifest["files"]
    assert "keys/completion/k2.key" in manifest["files"] and "keys/audit/k1.key" in manifest["files"]
    for path in out.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path

    url = fresh_database(database_url, tmp_path)
    try:
        fresh = restored_site(make_app, url, tmp_path / "fresh-instance", monkeypatch)
        done = cli(fresh, "backup", "restore", str(out))
        assert done.exit_code == 0, done.output
        with fresh.app_context():
            assert db.session.scalar(select(func.count()).select_from(Pledge)) == 1
            assert db.session.scalar(select(func.count()).select_from(Completion)) == 3
        statuses = [public_status(fresh, code)[0] for code in codes_made]
        assert statuses == ["valid", "valid", "revoked"]
        verified = cli(fresh, "audit", "verify")
        assert verified.exit_code == 0, verified.output
        # Restoring again over what is now in use is refused unless forced.
        again = cli(fresh, "backup", "restore", str(out))
        assert again.exit_code == 1 and "--force" in again.output
        assert cli(fresh, "backup", "restore", "--force", str(out)).exit_code == 0
        assert public_status(fresh, codes_made[0])[0] == "valid"
    finally:
        drop_database(url)


def test_restored_without_the_keys_every_completion_reads_invalid(
        site, make_app, database_url, tmp_path, monkeypatch):
    codes_made = build_evidence(site)
    out = tmp_path / "backup"
    assert cli(site, "backup", "create", "--out", str(out)).exit_code == 0
    # The database alone, as a backup of only the database would be.
    shutil.rmtree(out / "keys")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith("keys/")}
    (out / "manifest.json").write_text(json.dumps(manifest))
    url = fresh_database(database_url, tmp_path)
    try:
        fresh = restored_site(make_app, url, tmp_path / "fresh-instance", monkeypatch)
        done = cli(fresh, "backup", "restore", str(out))
        assert done.exit_code == 0 and "audit, completion" in done.output
        assert [public_status(fresh, code)[0] for code in codes_made] == ["invalid", "invalid"]
        assert cli(fresh, "audit", "verify").exit_code == 1
    finally:
        drop_database(url)


def test_restore_refuses_a_newer_schema_a_changed_file_and_a_database_in_use(
        site, tmp_path):
    build_evidence(site)
    out = tmp_path / "backup"
    assert cli(site, "backup", "create", "--out", str(out)).exit_code == 0
    # Over the site's own database, in use: refused, nothing touched.
    refused = cli(site, "backup", "restore", str(out))
    assert refused.exit_code == 1 and "--force" in refused.output
    assert refused.output.count("\n") == 1
    # A file changed after the backup: refused by its checksum.
    changed = tmp_path / "changed"
    shutil.copytree(out, changed)
    (changed / "keys" / "completion" / "k1.key").write_text("0" * 64 + "\n")
    answer = cli(site, "backup", "restore", "--force", str(changed))
    assert answer.exit_code == 1 and "k1.key" in answer.output
    # From a newer schema: refused even with --force.
    newer = tmp_path / "newer"
    shutil.copytree(out, newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest["alembic_revision"] = "9999"
    (newer / "manifest.json").write_text(json.dumps(manifest))
    answer = cli(site, "backup", "restore", "--force", str(newer))
    assert answer.exit_code == 1 and "9999" in answer.output
    # Into a folder that already holds something: refused.
    answer = cli(site, "backup", "create", "--out", str(out))
    assert answer.exit_code == 1
    # Not a backup at all: one clear line, no traceback.
    answer = cli(site, "backup", "restore", str(tmp_path / "instance"))
    assert answer.exit_code == 1 and "Traceback" not in answer.output
    with site.app_context():
        assert completions.integrity_problems() == []
        assert os.listdir(out)
