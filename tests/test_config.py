"""Configuration: a secret key is generated once into the instance folder, never committed."""
from __future__ import annotations

import stat
import subprocess

from elearn import create_app
from elearn.testing import PROJECT_ROOT


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ELEARN_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
              "LOAD_ENTRYPOINTS": False}

    monkeypatch.setenv("ELEARN_INSTANCE_PATH", str(instance))

    def build():
        return create_app(config)

    first = build().config["SECRET_KEY"]
    key_file = instance / "secret_key"
    assert len(first) >= 64 and key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert build().config["SECRET_KEY"] == first  # stable across restarts: sessions survive
    assert create_app({**config, "SECRET_KEY": "given"}).config["SECRET_KEY"] == "given"


def test_no_secrets_or_instance_data_are_tracked_by_git():
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    assert not [f for f in tracked if f.startswith("instance/") or f.endswith("secret_key")
                or f.endswith((".sqlite3", ".db"))]
    ignored = subprocess.run(["git", "check-ignore", "instance/secret_key"], cwd=PROJECT_ROOT,
                             capture_output=True, text=True)
    assert ignored.returncode == 0


def test_workers_starting_together_on_a_fresh_install_share_one_key(tmp_path):
    """A fresh install starts several workers (gunicorn, xdist) at once: each must read the
    same generated key, and none may fail because another created the file first."""
    from concurrent.futures import ProcessPoolExecutor

    from elearn.config import _instance_secret

    path = tmp_path / "completion_key"
    with ProcessPoolExecutor(8) as pool:
        keys = list(pool.map(_instance_secret, [path] * 32))
    assert len(set(keys)) == 1 and keys[0] == path.read_text().strip()
    assert [p.name for p in tmp_path.iterdir()] == ["completion_key"]
    assert path.stat().st_mode & 0o777 == 0o600
