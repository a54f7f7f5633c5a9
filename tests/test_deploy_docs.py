"""docs/deploy.md stays true to the code: every ELEARN_* setting the code reads is listed,
the settings table is the one generated from elearn/config.py, and the shipped nginx and
systemd files agree with the app's limits and commands."""
from __future__ import annotations

import re
from pathlib import Path

from elearn.config import Defaults
from elearn.settings_doc import BEGIN, END, default_settings, table

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "deploy.md"
READS = re.compile(r"""config(?:\[|\.get\()\s*["']([A-Z][A-Z0-9_]+)["']"""
                   r"""|environ(?:\.get\(|\[)\s*["']ELEARN_([A-Z0-9_]+)["']""")


def settings_the_code_reads() -> set[str]:
    names = set(default_settings())
    for path in (ROOT / "elearn").rglob("*.py"):
        if "testing" in path.parts:
            continue
        for match in READS.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def test_the_doc_lists_every_setting_the_code_reads():
    doc = DOC.read_text(encoding="utf-8")
    names = settings_the_code_reads()
    assert {"DATABASE_URL", "REDIS_URL", "INSTANCE_PATH", "LOG_LEVEL"} <= names
    missing = sorted(name for name in names if f"`ELEARN_{name}`" not in doc)
    assert missing == [], "add to elearn/settings_doc.py and run scripts/settings-table --write"


def test_the_settings_table_is_the_generated_one():
    doc = DOC.read_text(encoding="utf-8")
    block = doc.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert block == table(), "run scripts/settings-table --write"


def test_nginx_refuses_what_the_app_refuses_and_systemd_runs_real_commands():
    nginx = (ROOT / "docs" / "deploy" / "nginx.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", nginx)
    assert size and int(size.group(1)) * 1024 * 1024 == Defaults.MAX_CONTENT_LENGTH
    assert "X-Forwarded-Proto" in nginx and "X-Forwarded-For" in nginx
    web = (ROOT / "docs" / "deploy" / "elearn-web.service").read_text()
    worker = (ROOT / "docs" / "deploy" / "elearn-worker.service").read_text()
    assert "docs/deploy/gunicorn.conf.py wsgi:app" in web
    assert (ROOT / "docs" / "deploy" / "gunicorn.conf.py").is_file()
    assert "elearn worker" in worker
    for unit in (web, worker):
        assert "EnvironmentFile=/etc/elearn/elearn.env" in unit and "[Install]" in unit
