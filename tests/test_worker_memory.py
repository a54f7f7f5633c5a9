"""A web worker carries the document libraries only once it makes a document.

fpdf2 (with fontTools), openpyxl, python-docx and Authlib's client are ~70 MB of a worker's memory
(issue #15 item 7: RSS < 150 MB per worker). Most requests never make a PDF or a workbook,
so those libraries are imported where a document is made. This test serves pages the way a
worker does, in a fresh interpreter, and then makes a certificate and a workbook, to show the
libraries load on use and the documents still come out.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

from elearn import create_app
from elearn.extensions import db
from elearn.testing import PROJECT_ROOT, base_config

from kit import PASSWORD, build_world

HEAVY = ("fpdf", "fontTools", "openpyxl", "authlib", "requests", "docx")

WORKER = textwrap.dedent("""
    import json, sys
    from elearn import create_app
    from elearn.testing import login

    app = create_app(json.loads(sys.argv[1]))
    heavy = json.loads(sys.argv[2])
    client = app.test_client()
    for path in ("/login", "/verify"):
        assert client.get(path).status_code == 200, path
    login(client, "nguoi.a", sys.argv[3])
    pages = {path: client.get(path).status_code
             for path in ("/", "/certificates/", "/profile/", "/pledges/")}
    before = sorted(name for name in heavy if name in sys.modules)
    pdf = client.get(sys.argv[4])
    after = sorted(name for name in heavy if name in sys.modules)
    print(json.dumps({"pages": pages, "before": before, "after": after,
                      "pdf": pdf.status_code, "pdf_magic": pdf.data[:5].decode("latin-1")}))
""")


def test_pages_do_not_load_the_document_libraries_until_a_document_is_made(
        sqlite_template, tmp_path):
    # One backend: what a worker imports does not depend on the database.
    shutil.copyfile(sqlite_template, tmp_path / "elearn.sqlite3")
    config = base_config(f"sqlite:///{tmp_path / 'elearn.sqlite3'}",
                         JOBS_QUEUE_FILE=str(tmp_path / "jobs.sqlite3"),
                         JOBS_DIR=str(tmp_path / "jobs"))
    app = create_app(config)
    with app.app_context():
        code = build_world().codes["a"]
        db.engine.dispose()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run([sys.executable, "-c", WORKER, json.dumps(config), json.dumps(HEAVY),
                          PASSWORD, f"/certificates/{code}.pdf"],
                         capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(seen["pages"].values()) == {200}, seen["pages"]
    assert seen["before"] == [], f"pages imported {seen['before']}"
    assert seen["pdf"] == 200 and seen["pdf_magic"] == "%PDF-"
    assert "fpdf" in seen["after"]
