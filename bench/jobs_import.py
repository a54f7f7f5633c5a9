"""Benchmark: a 50,000-row people import through the job queue, and what it does to everyone
else. Not part of the test suite.

    .venv/bin/python bench/jobs_import.py                       # SQLite file
    scripts/with-postgres .venv/bin/python bench/jobs_import.py --db postgresql

Steps: a fresh database in a temporary instance folder (migrated, 1 province, 40 cells, one
signed-in bystander); a real server (`flask run`, threaded) and a real worker
(`flask elearn worker`) as separate processes on the embedded SQLite queue; one client
measures a signed-in page (GET /profile/) and a write (POST /language) for a baseline, then
keeps measuring while the import job runs. Reports the job's rows per second (claimed to
done) and the latency percentiles of the concurrent requests before and during the job.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, build_opener

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "bench-hoctap-2026"


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), NoRedirect())

    def call(self, path: str, data: dict | None = None) -> tuple[int, str, float]:
        body = urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except HTTPError as error:
            status, text = error.code, error.read().decode()
        return status, text, time.perf_counter() - started

    def token(self, path: str) -> str:
        return CSRF.search(self.call(path)[1]).group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def summary(samples: list[tuple[str, int, float]]) -> dict:
    out = {}
    for kind in ("page", "write"):
        times = [t for k, _s, t in samples if k == kind]
        errors = sum(1 for k, s, _t in samples if k == kind and s >= 500)
        if times:
            out[kind] = {"n": len(times), "errors_5xx": errors,
                         "p50_ms": round(percentile(times, 50), 1),
                         "p99_ms": round(percentile(times, 99), 1),
                         "max_ms": round(max(times) * 1000, 1)}
    return out


def database_url(kind: str, instance: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{instance / 'elearn.sqlite3'}", lambda: None
    admin = os.environ.get("ELEARN_TEST_POSTGRES_URL")
    if not admin:
        sys.exit("--db postgresql needs ELEARN_TEST_POSTGRES_URL (run under scripts/with-postgres)")
    import psycopg

    name = f"elearn_bench_jobs_{uuid.uuid4().hex[:8]}"
    plain = admin.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return admin.rsplit("/", 1)[0] + "/" + name, drop


def prepare(env: dict, rows: int, cells: int) -> bytes:
    """Migrate, create the units and the bystander; return the CSV to import."""
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    script = f"""
from elearn import create_app
from elearn.extensions import db
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit
app = create_app()
with app.app_context():
    province = create_unit("BJ", "Tỉnh thử", "province")
    for n in range({cells}):
        create_unit(f"BJ-{{n}}", f"Chi bộ {{n}}", "cell", province)
    create_user("bystander", "Người Khác", "{PASSWORD}", province)
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    lines = ["full_name,unit_code,position,type,email,phone"]
    lines += [f"Người Nhập {n},BJ-{n % cells},Đảng viên,party_member,nhap{n}@example.vn,"
              for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def measure(client: Client, stop: threading.Event, samples: list) -> None:
    while not stop.is_set():
        status, _text, took = client.call("/profile/")
        samples.append(("page", status, took))
        token = CSRF.search(_text).group(1) if status == 200 else ""
        status, _text, took = client.call("/language", {"csrf_token": token,
                                                         "language": "vi", "next": "/"})
        samples.append(("write", status, took))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="elearn-bench-jobs-"))
    url, drop = database_url(args.db, instance)
    env = {**os.environ, "FLASK_APP": "elearn", "ELEARN_INSTANCE_PATH": str(instance),
           "ELEARN_DATABASE_URL": url, "ELEARN_LOAD_ENTRYPOINTS": "false",
           "ELEARN_MAX_CONTENT_LENGTH": str(64 * 1024 * 1024)}
    os.environ.update(env)
    processes = []
    try:
        data = prepare(env, args.rows, args.cells)
        port = free_port()
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--port", str(port), "--with-threads"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "flask", "elearn", "worker", "--workers", "1"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        client = Client(f"http://127.0.0.1:{port}")
        for _ in range(100):
            try:
                client.call("/login")
                break
            except OSError:
                time.sleep(0.2)
        status = client.call("/login", {"csrf_token": client.token("/login"),
                                        "username": "bystander", "password": PASSWORD})[0]
        assert status == 302, status

        baseline: list = []
        stop = threading.Event()
        thread = threading.Thread(target=measure, args=(client, stop, baseline))
        thread.start()
        time.sleep(args.baseline_seconds)
        stop.set()
        thread.join()

        from elearn import create_app
        from elearn.extensions import db
        from elearn.models import Job
        from elearn.services import job_handlers

        app = create_app()
        with app.app_context():
            job_id = job_handlers.submit_people_import(
                data, dry_run=False, requested_by=None, scope_paths=None, locale="vi").id
        during: list = []
        stop = threading.Event()
        thread = threading.Thread(target=measure, args=(client, stop, during))
        submitted = time.perf_counter()
        thread.start()
        checked_at = hashed_at = None    # first progress seen; hashing finished
        while True:
            with app.app_context():
                job = db.session.get(Job, job_id)
                if job.finished:
                    break
                if checked_at is None and job.done > 0:
                    checked_at = datetime.now(timezone.utc).replace(tzinfo=None)
                if hashed_at is None and job.total and job.done >= job.total:
                    hashed_at = datetime.now(timezone.utc).replace(tzinfo=None)
            time.sleep(0.2)
        stop.set()
        thread.join()
        wall = time.perf_counter() - submitted
        run_seconds = (job.finished_at - job.started_at).total_seconds()
        result = {
            "db": args.db, "rows": args.rows, "status": job.status, "error": job.error,
            "job_seconds": round(run_seconds, 1), "wall_seconds": round(wall, 1),
            "rows_per_second": round(args.rows / run_seconds, 1),
            # Approximate (polled every 0.2 s): checking rows, hashing, the one write.
            "phases_seconds": {
                "check": round((checked_at - job.started_at).total_seconds(), 1)
                if checked_at else None,
                "hash": round((hashed_at - checked_at).total_seconds(), 1)
                if checked_at and hashed_at else None,
                "write": round((job.finished_at - hashed_at).total_seconds(), 1)
                if hashed_at else None},
            "baseline": summary(baseline), "during_import": summary(during),
            "cpus": os.cpu_count(), "at": datetime.now(timezone.utc).isoformat(),
        }
        print(json.dumps(result, indent=2, ensure_ascii=False))
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        (results / f"{datetime.now():%Y%m%d-%H%M%S}-jobs-import-{args.db}.json").write_text(
            json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
        drop()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
