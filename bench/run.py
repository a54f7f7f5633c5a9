"""Load benchmark: the real elearn app and a plain Flask "hello world", both under the same
gunicorn settings on 127.0.0.1, driven by wrk in the same run. See bench/README.md.

    .venv/bin/python bench/run.py                    # SQLite, full sizes (seeded once, cached)
    .venv/bin/python bench/run.py --db postgresql    # throw-away PostgreSQL server
    .venv/bin/python bench/run.py --small            # 5,000 people: a quick check

Steps: seed the province (cached per size under bench/results/ for SQLite; a template
database for PostgreSQL), copy it for this run, time the root dashboard query and a full
XLSX export once each (own processes), start both servers, sign bench people in over real
HTTP (CSRF token from the form, session cookie), then per scenario a short warm-up and a
measured wrk run at N connections; the workers' RSS is read from /proc after each.
Prints a table and writes bench/results/<timestamp>-<db>.json.
"""
from __future__ import annotations

import argparse
import contextlib
from http.client import HTTPConnection, HTTPException
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from elearn_bench.seeding import QUIZ_POOL  # bench/ is this script's folder: on sys.path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ROOT_CODE = "BENCH"
PASSWORD = "bench-hoctap-2026"  # elearn_bench.seeding.BENCH_PASSWORD
BENCH_PLUGIN = "elearn_bench"  # bench/elearn_bench: adds `flask elearn bench seed`
OFFICER = "bench.officer"

FULL = {"units": 500, "people": 50_000, "completions": 200_000, "attempts": 150_000,
        "pledges": 40_000}
SMALL = {"units": 100, "people": 5_000, "completions": 20_000, "attempts": 15_000,
         "pledges": 4_000}


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


# -- databases -------------------------------------------------------------------------------

COPY_SEED: list[str] = []
"""["--copy"] when the run asked for the PostgreSQL COPY seed (national sizes)."""


def seed_args(sizes: dict[str, int]) -> list[str]:
    return [part for name, value in sizes.items()
            for part in (f"--{name}", str(value))] + COPY_SEED


def size_tag(sizes: dict[str, int]) -> str:
    letters = {"units": "u", "people": "p", "completions": "c", "attempts": "a", "pledges": "g"}
    # "q3000": the quiz pool's size, so a seed cached with a smaller pool is rebuilt.
    return "-".join(f"{sizes[name]}{letter}" for name, letter in letters.items()) + (
        f"-q{QUIZ_POOL}") + ("-copy" if COPY_SEED else "")


def with_bench_plugin(env: dict[str, str]) -> dict[str, str]:
    """The environment of a `flask` process that has the bench plugin's commands: the product
    ships none, so the plugin is imported from bench/ and named in ELEARN_PLUGINS."""
    plugins = [p for p in env.get("ELEARN_PLUGINS", "").split(",") if p.strip()]
    path = [str(BENCH), *filter(None, [env.get("PYTHONPATH")])]
    return {**env, "PYTHONPATH": os.pathsep.join(path),
            "ELEARN_PLUGINS": ",".join([*plugins, BENCH_PLUGIN])}


def run_seed(url: str, sizes: dict[str, int], logfile: Path) -> None:
    env = with_bench_plugin({**os.environ, "FLASK_APP": "elearn", "ELEARN_DATABASE_URL": url})
    log(f"seeding {url.split('@')[-1]} ({size_tag(sizes)}); log in {logfile.name}")
    started = time.perf_counter()
    with open(logfile, "w") as out:
        process = subprocess.run([str(BIN / "flask"), "elearn", "bench", "seed",
                                  *seed_args(sizes)], cwd=ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, timeout=3600)
    for line in logfile.read_text().splitlines():
        if not line.startswith("INFO"):
            print(f"    {line}", flush=True)
    if process.returncode != 0:
        raise SystemExit(f"seeding failed (exit {process.returncode}); see {logfile}")
    log(f"seeded in {time.perf_counter() - started:.0f}s")


def migrate(url: str) -> None:
    """Bring a cached seed up to the code's migrations (new indexes, say) before a run."""
    env = {**os.environ, "FLASK_APP": "elearn", "ELEARN_DATABASE_URL": url}
    done = subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    applied = [line.split("Running upgrade", 1)[1].strip()
               for line in done.stderr.splitlines() if "Running upgrade" in line]
    if done.returncode != 0:
        raise SystemExit(f"flask db upgrade failed on the seed: {done.stderr[-1500:]}")
    if applied:
        log(f"migrated the cached seed: {', '.join(applied)}")
    # A seed cached before the counters existed (or from an older rule) gets them now.
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "flask"), "elearn", "counters", "rebuild"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"flask elearn counters rebuild failed: {done.stderr[-1500:]}")
    log(f"counters rebuilt in {time.perf_counter() - started:.1f}s")


@dataclass
class Database:
    kind: str
    url: str
    version: str
    seeded_from: str
    cleanup: list = field(default_factory=list)


def sqlite_database(sizes: dict[str, int], stamp: str, reseed: bool, keep: bool,
                    stack: contextlib.ExitStack) -> Database:
    seed_path = RESULTS / f"seed-{size_tag(sizes)}.sqlite3"
    if reseed or not seed_path.exists():
        partial = seed_path.with_name(seed_path.name + ".partial")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        run_seed(f"sqlite:///{partial}", sizes, RESULTS / f"{stamp}-seed-sqlite.log")
        with sqlite3.connect(partial) as connection:  # fold the WAL into the file
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(seed_path)
    else:
        log(f"reusing the seeded database {seed_path.name} (--reseed to rebuild)")
        migrate(f"sqlite:///{seed_path}")
        with sqlite3.connect(seed_path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
    run_path = RESULTS / f"run-{stamp}.sqlite3"
    shutil.copyfile(seed_path, run_path)
    # The copy leaves ~700 MB of dirty pages: written back now, not by the kernel during the
    # first scenarios (that made hello world ~19 % slower at the start of a run than at its
    # end, and the scenario after it slower still).
    with open(run_path, "rb+") as copied:
        os.fsync(copied.fileno())
    if not keep:
        stack.callback(lambda: [Path(f"{run_path}{s}").unlink(missing_ok=True)
                                for s in ("", "-wal", "-shm")])
    return Database("sqlite", f"sqlite:///{run_path}", sqlite3.sqlite_version, seed_path.name)


def _pg(url: str, sql: str, fetch: bool = False):
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if fetch else None


def _with_db(url: str, name: str) -> str:
    """The same server's database `name` (a URL may name a Unix socket: ?host=/run/…)."""
    from sqlalchemy.engine import make_url
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def start_postgres(stack: contextlib.ExitStack) -> str:
    """A throw-away server on 127.0.0.1, as scripts/with-postgres starts one."""
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                     key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)])
    if not bindirs or not (bindirs[-1] / "initdb").exists():
        raise SystemExit("no PostgreSQL server binaries (apt-get install postgresql), or set "
                         "ELEARN_DATABASE_URL to a postgresql+psycopg:// URL")
    bindir = bindirs[-1]
    datadir = Path(tempfile.mkdtemp(prefix="elearn-bench-pg."))
    as_owner: list[str] = []
    if os.getuid() == 0:  # initdb refuses root: run the server as the postgres user
        if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
        shutil.chown(datadir, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*as_owner, str(bindir / "initdb"), "-D", f"{datadir}/data", "-U", "elearn",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], check=True,
                   capture_output=True)
    # Durable enough to be fair (fsync stays on), without waiting for each commit's flush:
    # the same trade as SQLite's WAL with synchronous=NORMAL.
    options = (f"-h 127.0.0.1 -p {port} -k {datadir} -c synchronous_commit=off "
               "-c shared_buffers=512MB -c max_connections=200 -c work_mem=32MB")
    subprocess.run([*as_owner, str(bindir / "pg_ctl"), "-D", f"{datadir}/data", "-l",
                    f"{datadir}/server.log", "-w", "-o", options, "start"], check=True,
                   capture_output=True)

    def stop() -> None:
        subprocess.run([*as_owner, str(bindir / "pg_ctl"), "-D", f"{datadir}/data", "-m",
                        "fast", "stop"], capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)

    stack.callback(stop)
    log(f"started a throw-away PostgreSQL ({bindir.parent.name}) on 127.0.0.1:{port}")
    return f"postgresql+psycopg://elearn@127.0.0.1:{port}/postgres"


def postgres_database(sizes: dict[str, int], stamp: str, reseed: bool, keep: bool,
                      stack: contextlib.ExitStack) -> Database:
    given = os.environ.get("ELEARN_DATABASE_URL", "")
    admin = given if given.startswith("postgresql") else start_postgres(stack)
    seed_name = f"elearn_bench_seed_{size_tag(sizes).replace('-', '_')}"
    exists = _pg(admin, f"SELECT 1 FROM pg_database WHERE datname = '{seed_name}'", fetch=True)
    if reseed or not exists:
        _pg(admin, f'DROP DATABASE IF EXISTS "{seed_name}" WITH (FORCE)')
        _pg(admin, f'CREATE DATABASE "{seed_name}"')
        run_seed(_with_db(admin, seed_name), sizes, RESULTS / f"{stamp}-seed-postgresql.log")
        _pg(_with_db(admin, seed_name), "VACUUM ANALYZE")
    else:
        log(f"reusing the seeded database {seed_name} (--reseed to rebuild)")
        migrate(_with_db(admin, seed_name))
    run_name = f"elearn_bench_run_{stamp.replace('-', '_')}"
    _pg(admin, f'CREATE DATABASE "{run_name}" TEMPLATE "{seed_name}"')
    # The copy goes through the WAL and shared buffers (PostgreSQL 15's WAL_LOG strategy):
    # flushed now, not by a checkpoint in the middle of a scenario (as SQLite's copy is).
    _pg(admin, "CHECKPOINT")
    if not keep:
        stack.callback(lambda: _pg(admin, f'DROP DATABASE IF EXISTS "{run_name}" WITH (FORCE)'))
    version = _pg(admin, "SHOW server_version", fetch=True)[0][0]
    return Database("postgresql", _with_db(admin, run_name), version, seed_name)


# -- servers and HTTP ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http(port: int, method: str, path: str, headers: dict[str, str] | None = None,
         body: str | None = None, timeout: float = 120) -> tuple[int, Any, str]:
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_cpu_ticks(self) -> int:
        """User and system CPU time of the workers so far, in clock ticks (/proc/PID/stat)."""
        ticks = 0
        for pid in self.workers():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks

    def connections_per_worker(self) -> list[int]:
        """Open client connections each worker holds (its sockets that are established TCP
        connections on the server's port). Kept-alive connections stay with the worker that
        accepted them, so an uneven split is an uneven load for the whole run."""
        established = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    fields = line.split()
                    if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == self.port:
                        established.add(f"socket:[{fields[9]}]")
        counts = []
        for pid in self.workers():
            with contextlib.suppress(OSError):
                fds = Path(f"/proc/{pid}/fd")
                counts.append(sum(1 for fd in fds.iterdir()
                                  if _readlink(fd) in established))
        return counts

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes


def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def start_server(name: str, app: str, chdir: Path, env: dict[str, str], logdir: Path,
                 stack: contextlib.ExitStack) -> Server:
    port = free_port()
    logfile = open(logdir / f"gunicorn-{name}.log", "w")
    stack.callback(logfile.close)
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(BENCH / "gunicorn.conf.py"), "--chdir", str(chdir),
         app], cwd=ROOT, env={**env, "BENCH_BIND": f"127.0.0.1:{port}"}, stdout=logfile,
        stderr=subprocess.STDOUT)

    def stop() -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    stack.callback(stop)
    deadline = time.monotonic() + 90
    probe = "/" if name == "hello" else "/login"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn for {name} exited; see {logdir}/gunicorn-{name}.log")
        with contextlib.suppress(OSError, HTTPException):
            if http(port, "GET", probe, timeout=5)[0] == 200:
                break
        time.sleep(0.5)
    else:
        raise SystemExit(f"gunicorn for {name} did not answer on port {port} within 90s")
    log(f"{name}: gunicorn pid {process.pid} on 127.0.0.1:{port}, workers {server_pids(process)}")
    return Server(name, port, process)


def server_pids(process: subprocess.Popen) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().strip()
    return "?"


def _cookie(headers, current: str | None) -> str | None:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("session="):
            return value.split(";", 1)[0]
    return current


def sign_in(port: int, username: str, csrf_page: str) -> tuple[str, str]:
    """Sign in through the real form; return the session cookie and a CSRF token for it."""
    status, headers, body = http(port, "GET", "/login")
    cookie = _cookie(headers, None)
    token = CSRF.search(body)
    if status != 200 or not token or not cookie:
        raise RuntimeError(f"GET /login: {status}")
    status, headers, _body = http(port, "POST", "/login", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"csrf_token": token.group(1), "username": username, "password": PASSWORD}))
    if status not in (302, 303):
        raise RuntimeError(f"sign-in of {username} answered {status}")
    cookie = _cookie(headers, cookie)
    status, headers, body = http(port, "GET", csrf_page, {"Cookie": cookie})
    cookie = _cookie(headers, cookie)
    token = CSRF.search(body)
    if status != 200 or not token:
        raise RuntimeError(f"GET {csrf_page} as {username}: {status}, no CSRF token")
    return cookie, token.group(1)


def sign_in_all(port: int, usernames: list[str], csrf_page: str) -> list[tuple[str, str]]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda u: sign_in(port, u, csrf_page), usernames))


# -- fixtures from the database --------------------------------------------------------------

@dataclass
class Fixtures:
    lesson_users: list[str]
    lesson_paths: list[str]
    quiz_users: list[str]
    quiz_courses: list[str]
    codes: list[str]
    dashboard_path: str
    root_code: str


def collect_fixtures(url: str, connections: int) -> Fixtures:
    from sqlalchemy import func, select

    from elearn import create_app
    from elearn.extensions import db
    from elearn.models import Completion, LessonView, QuizAttempt, User
    from elearn.registry import current_registry

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        registry = current_registry()
        cadre = [c for c in registry.courses.values()
                 if c.audience in ("cadre", "all") and c.quiz is not None]
        lesson_paths = [f"/courses/{c.slug}/lessons/{lesson.slug}" for c in cadre
                        for lesson in c.lessons]
        # People re-reading a course they completed (their lesson views exist: pure reads).
        lesson_users = list(db.session.scalars(
            select(User.username).where(
                User.audience == "cadre", User.username.like("bench.u%"),
                User.id.in_(select(Completion.user_id)))
            .order_by(User.id).limit(2 * connections)))
        # The quiz pool: every lesson read, no attempt yet.
        studied = (select(LessonView.user_id).where(LessonView.studied_at.is_not(None))
                   .group_by(LessonView.user_id)
                   .having(func.count() >= sum(len(c.lessons) for c in cadre)))
        quiz_users = list(db.session.scalars(
            select(User.username).where(
                User.audience == "cadre", User.username.like("bench.u%"),
                User.id.in_(studied), User.id.not_in(select(QuizAttempt.user_id)))
            # 64 per connection (2,048 of the seed's QUIZ_POOL), each signed in over HTTP
            # (~17 a second): at ~150 flows/s 1,000 people ran out of attempts within a run
            # (2026-12-05: 1,349 starts found nobody with one left).
            .order_by(User.id).limit(int(os.environ.get("BENCH_QUIZ_PEOPLE_PER_CONNECTION", "64")) * connections)))
        codes = list(db.session.scalars(select(Completion.code).order_by(func.random())
                                        .limit(2000)))
        db.session.remove()
        db.engine.dispose()
    return Fixtures(lesson_users, lesson_paths, quiz_users, [c.slug for c in cadre], codes,
                    f"/dashboard/?unit={ROOT_CODE}", ROOT_CODE)


# -- wrk -------------------------------------------------------------------------------------

def write_fixture(path: Path, lines: list[tuple[str, ...]]) -> Path:
    path.write_text("".join("\t".join(parts) + "\n" for parts in lines))
    return path


def wrk(port: int, script: str, fixture: Path, seconds: int, connections: int,
        expect: int = 200) -> dict[str, Any]:
    env = {**os.environ, "BENCH_FIXTURE": str(fixture), "BENCH_LUA_DIR": str(BENCH),
           "BENCH_THREADS": str(connections), "BENCH_EXPECT": str(expect)}
    command = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "60s", "-s", str(BENCH / script), f"http://127.0.0.1:{port}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=seconds + 120)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk gave no result (exit {done.returncode}): "
                       f"{done.stdout[-500:]} {done.stderr[-500:]}")


def measure(name: str, server: Server, script: str, fixture: Path, args) -> dict[str, Any]:
    if args.warmup:
        log(f"{name}: warm-up {args.warmup}s")
        wrk(server.port, script, fixture, args.warmup, args.connections)
    log(f"{name}: measuring {args.duration}s at {args.connections} connections")
    spy = start_py_spy(name, server, fixture.parent, args) if args.py_spy else None
    workers_before, machine_before = server.worker_cpu_ticks(), cpu_times()
    split: list[int] = []
    sampler = threading.Timer(min(2.0, args.duration / 2),
                              lambda: split.extend(server.connections_per_worker()))
    sampler.start()
    raw = wrk(server.port, script, fixture, args.duration, args.connections)
    workers_ticks, machine = server.worker_cpu_ticks() - workers_before, [
        after - before for after, before in zip(cpu_times(), machine_before)]
    sampler.cancel()
    if spy is not None:
        finish_py_spy(name, *spy)
    seconds = raw["duration_us"] / 1e6
    result = {
        "requests": raw["requests"], "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(raw["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(raw["latency_us"]["max"] / 1000, 2),
        "ok": raw["ok"], "bad": raw["bad"], "bad_statuses": raw["bad_statuses"].strip(),
        "socket_errors": {k: v for k, v in raw["errors"].items() if v},
        "worker_rss_mb": server.worker_rss_mb(),
        "connections_per_worker": split,
        # Where the machine's time went: the app's workers' CPU per request (compare with
        # bench/floor.py's in-process figures: the difference is the server and the load),
        # and how busy both cores were (wrk and the kernel included).
        "worker_cpu_ms_per_request": round(
            1000 * workers_ticks / CLOCK_TICKS / max(1, raw["requests"]), 3),
        "machine_busy_pct": round(100 * (1 - (machine[3] + machine[4]) / max(1, sum(machine))), 1),
    }
    if script == "quiz.lua":
        result["flows"] = raw["flows"]
        result["flows_per_s"] = round(raw["flows"] / seconds, 1)
        result["exhausted"] = raw["exhausted"]
        if raw["exhausted"]:
            result["warning"] = (f"{raw['exhausted']} start requests found a person with no "
                                 "attempt left (cheap redirects): seed more people")
    log(f"{name}: {result['rps']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"bad {result['bad']}, connections {'/'.join(map(str, split))}, "
        f"RSS {result['worker_rss_mb']} MB, worker CPU "
        f"{result['worker_cpu_ms_per_request']} ms/request, machine {result['machine_busy_pct']}% busy")
    return result


def start_py_spy(name: str, server: Server, rundir: Path, args):
    """Sample one worker of `server` with py-spy while wrk measures (idle threads left out):
    where a live worker under load spends its time, GIL and I/O waits included."""
    pid = server.workers()[0]
    out = rundir / f"py-spy-{name}-{pid}.txt"
    process = subprocess.Popen(
        [str(BIN / "py-spy"), "record", "--pid", str(pid), "--duration", str(args.duration),
         *(["--gil"] if args.py_spy_gil else []), "--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, out


def finish_py_spy(name: str, process: subprocess.Popen, out: Path, top: int = 25) -> None:
    """Wait for py-spy and log the functions with the most samples (own and total)."""
    process.wait(timeout=120)
    if not out.exists():
        log(f"{name}: py-spy wrote nothing (needs ptrace: run as root)")
        return
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1].rstrip(")")
                  for frame in stack.split(";")[1:]]
        samples += int(count)
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + int(count)
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + int(count)
    log(f"{name}: py-spy {samples} samples in {out.name}; most time, total (own):")
    for frame, count in sorted(total.items(), key=lambda item: -item[1])[:top]:
        print(f"    {100 * count / samples:5.1f} % ({100 * own.get(frame, 0) / samples:4.1f} %) "
              f"{frame}")


def timing(what: str, url: str, env: dict[str, str]) -> dict[str, Any]:
    log(f"timing {what} once (own process)")
    done = subprocess.run([sys.executable, str(BENCH / "timings.py"), what, ROOT_CODE],
                          cwd=ROOT, env={**env, "ELEARN_DATABASE_URL": url},
                          capture_output=True, text=True, timeout=1200)
    for line in done.stdout.splitlines():
        if line.startswith("TIMING_JSON "):
            result = json.loads(line.removeprefix("TIMING_JSON "))
            log(f"{what}: {result}")
            return result
    return {"error": f"exit {done.returncode}: {done.stderr[-800:]}"}


# -- report ----------------------------------------------------------------------------------

def cpu_times() -> list[int]:
    """The machine's aggregate CPU counters (user nice system idle iowait irq softirq steal)."""
    return [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def steal_since(before: list[int]) -> float:
    """Share of CPU time the hypervisor gave to someone else since `before` (noisy hosts)."""
    after = cpu_times()
    delta = [a - b for a, b in zip(after, before)]
    return round(100 * delta[7] / sum(delta), 1) if sum(delta) else 0.0


# Issue #15 item 7: throughput against hello world, and for every scenario p99 and RSS.
TARGETS = {"lesson": 0.20, "quiz": 0.08, "verify": 0.35}
P99_TARGET_MS = 100
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
RSS_TARGET_MB = 150


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    import gunicorn

    return {"cores": os.cpu_count(), "cpu": model, "memory": memory,
            "kernel": platform.release(), "python": platform.python_version(),
            "gunicorn": gunicorn.__version__,
            "wrk": (wrk_version.splitlines() or [""])[0].split(" [")[0]}


def print_table(results: dict[str, Any]) -> None:
    hello = results.get("hello_rps_for_ratios")
    print()
    print(f"elearn benchmark — {results['db']['kind']} {results['db']['version']}, "
          f"{results['sizes']['people']} people, {results['sizes']['completions']} completions, "
          f"{results['wrk']['connections']} connections × {results['wrk']['seconds']}s, "
          f"gunicorn {results['gunicorn']}")
    header = (f"{'scenario':<11}{'req/s':>9}{'vs hello':>10}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'bad':>6}{'worker RSS MB':>18}  note")
    print(header)
    print("-" * len(header))
    for name, row in results["scenarios"].items():
        if "skipped" in row:
            print(f"{name:<11}{'—':>9}{'':>10}{'':>9}{'':>9}{'':>6}{'':>18}  {row['skipped']}")
            continue
        ratio = f"{row['rps'] / hello:.1%}" if hello else "?"
        note = ""
        if name == "quiz":
            note = f"{row['flows_per_s']} start+save+submit flows/s (4 requests each)"
            if row.get("warning"):
                note += f"; WARNING {row['warning']}"
        target = TARGETS.get(name)
        checks = []
        if target and hello:
            checks.append(f"≥{target:.0%} {'met' if row['rps'] / hello >= target else 'MISSED'}")
        if not name.startswith("hello"):
            checks.append(f"p99<{P99_TARGET_MS} "
                          f"{'met' if row['p99_ms'] < P99_TARGET_MS else 'MISSED'}")
            checks.append(f"RSS<{RSS_TARGET_MB} "
                          f"{'met' if max(row['worker_rss_mb'] or [0]) < RSS_TARGET_MB else 'MISSED'}")
        if checks:
            note = (note + "; " if note else "") + "target " + ", ".join(checks)
        rss = "/".join(str(v) for v in row["worker_rss_mb"])
        print(f"{name:<11}{row['rps']:>9.1f}{ratio:>10}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
              f"{row['bad']:>6}{rss:>18}  {note}")
    for name, value in results["timings"].items():
        if "skipped" in value or "error" in value:
            print(f"{name}: {value.get('skipped') or value.get('error')}")
        elif name == "dashboard":
            print(f"root dashboard query (reports.dashboard): cold {value['cold_ms']} ms, "
                  f"warm {value['warm_ms']} ms, {value['people']} people "
                  "(target < 200 ms)")
        elif name == "dashboard_first_request":
            print(f"root dashboard page, first request after the server started: "
                  f"{value['status']} in {value['ms']} ms (target < 1 s)")
        else:
            print(f"XLSX export of all completions: {value['rows']} rows, "
                  f"{value['bytes'] / 1e6:.1f} MB in {value['seconds']} s, "
                  f"peak RSS {value['rss_peak_mb']} MB")
    if hello:
        print(f"ratios are to {hello} req/s, the mean of the hello-world runs")
    for note in results["notes"]:
        print(f"note: {note}")


# -- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--small", action="store_true", help="quick sizes: " + str(SMALL))
    for name, value in FULL.items():
        parser.add_argument(f"--{name}", type=int, default=None, help=f"default {value}")
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--scenarios", default="hello,lesson,quiz,verify,dashboard,hello",
                        help="in order; a second hello is stored as hello_end, and ratios "
                             "use the mean of the hello runs")
    parser.add_argument("--skip-timings", action="store_true")
    parser.add_argument("--timings", default="dashboard,export",
                        help="which one-off timings to run (the export of 4 M completions "
                             "takes long: --timings dashboard)")
    parser.add_argument("--copy", action="store_true",
                        help="PostgreSQL: seed with COPY (national sizes, see "
                             "bench/elearn_bench/bulk.py)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if cached")
    parser.add_argument("--keep-db", action="store_true", help="keep this run's database copy")
    parser.add_argument("--py-spy", action="store_true",
                        help="sample one elearn worker with py-spy during each scenario and "
                             "print where it spends its time (the raw file stays in the run's "
                             "folder)")
    parser.add_argument("--py-spy-gil", action="store_true",
                        help="with --py-spy: only samples of the thread holding the GIL, i.e. "
                             "where the worker's CPU goes rather than where it waits")
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    if not (BIN / "gunicorn").exists():
        raise SystemExit("gunicorn is not installed: pip install -e '.[bench]' (make bench)")
    if args.copy:
        COPY_SEED[:] = ["--copy"]
    sizes = dict(SMALL if args.small else FULL)
    for name in FULL:
        if getattr(args, name) is not None:
            sizes[name] = getattr(args, name)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    rundir = RESULTS / f"{stamp}-{args.db}"
    rundir.mkdir()
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    notes: list[str] = []

    with contextlib.ExitStack() as stack:
        maker = sqlite_database if args.db == "sqlite" else postgres_database
        database = maker(sizes, stamp, args.reseed, args.keep_db, stack)
        # Other ELEARN_* settings pass through (experiments such as
        # ELEARN_DASHBOARD_CACHE_SECONDS=0); the database is this run's copy.
        env = {"ELEARN_VERIFY_LOOKUPS_PER_MINUTE": "1000000000",
               "BENCH_WORKER_CONNECTIONS": str(worker_connection_cap(args.connections)),
               **os.environ, "ELEARN_DATABASE_URL": database.url}
        settings = {k: v for k, v in env.items()
                    if k.startswith("ELEARN_") and k not in ("ELEARN_DATABASE_URL",)
                    and "KEY" not in k}

        timings: dict[str, Any] = {}
        if not args.skip_timings:
            for what in [w.strip() for w in args.timings.split(",") if w.strip()]:
                timings[what] = timing(what, database.url, env)

        log("collecting bench people, lesson pages and codes from the database")
        fixtures = collect_fixtures(database.url, args.connections)
        hello = start_server("hello", "hello:app", BENCH, env, rundir, stack)
        app = start_server("elearn", "wsgi:app", ROOT, env, rundir, stack)  # as deployed
        if "dashboard" in wanted:
            timings["dashboard_first_request"] = first_dashboard_request(app.port, fixtures)

        scenarios: dict[str, Any] = {}
        for name in wanted:
            key = "hello_end" if name == "hello" and "hello" in scenarios else name
            load = Path("/proc/loadavg").read_text().split()[0]
            cpu_before = cpu_times()
            try:
                scenarios[key] = run_scenario(name, hello, app, fixtures, rundir, args)
            except Exception as error:  # one broken scenario must not lose the others
                scenarios[key] = {"skipped": f"failed: {type(error).__name__}: {error}"}
                log(f"{name}: {scenarios[key]['skipped']}")
            scenarios[key]["loadavg_before"] = float(load)
            scenarios[key]["cpu_steal_pct"] = steal_since(cpu_before)
        workers, threads = gunicorn_shape()
        gunicorn_settings = (f"{workers} workers "
                             f"{os.environ.get('BENCH_WORKER_CLASS', 'gthread')} × "
                             f"{threads} threads, "
                             f"at most {env['BENCH_WORKER_CONNECTIONS']} connections each")
        results = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "db": {"kind": database.kind, "version": database.version,
                   "seeded_from": database.seeded_from},
            "sizes": sizes, "machine": machine(), "gunicorn": gunicorn_settings,
            "wrk": {"connections": args.connections, "threads": args.connections,
                    "seconds": args.duration, "warmup": args.warmup},
            "settings": settings, "scenarios": scenarios, "timings": timings,
            "notes": notes,
        }
        hello_runs = [scenarios[k]["rps"] for k in ("hello", "hello_end")
                      if "rps" in scenarios.get(k, {})]
        hello_rps = round(sum(hello_runs) / len(hello_runs), 1) if hello_runs else None
        results["hello_rps_for_ratios"] = hello_rps
        for name, row in scenarios.items():
            if hello_rps and "rps" in row:
                row["ratio_to_hello"] = round(row["rps"] / hello_rps, 4)
        out = RESULTS / f"{stamp}-{args.db}.json"
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
        print_table(results)
        print(f"\nwritten {out.relative_to(ROOT)}")
    return 0


def first_dashboard_request(port: int, fixtures: Fixtures) -> dict[str, Any]:
    """The root dashboard as the first page the freshly started server renders (its cache
    empty, its connections new): the cold figure issue #15 asks under 1 s."""
    cookie, _token = sign_in(port, OFFICER, "/profile/")
    started = time.perf_counter()
    status, _headers, _body = http(port, "GET", fixtures.dashboard_path, {"Cookie": cookie},
                                   timeout=300)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    log(f"dashboard, first request after start: {status} in {elapsed} ms")
    return {"status": status, "ms": elapsed}


def worker_connection_cap(connections: int) -> int:
    """gunicorn's worker_connections for a run at `connections`: each worker's fair share,
    plus its threads (gthread keeps that many fewer connections alive; see gunicorn.conf.py).
    Without a cap the worker that wakes first takes more of wrk's connections, and kept-alive
    connections never move: splits of 22/10 and 20/12 were measured, and the busier worker's
    requests queue longer, which is the run's p99."""
    workers, threads = gunicorn_shape()
    return -(-connections // workers) + threads


def gunicorn_shape() -> tuple[int, int]:
    """Workers and threads per worker, as bench/gunicorn.conf.py reads them."""
    return (int(os.environ.get("BENCH_WORKERS", "2")),
            int(os.environ.get("BENCH_THREADS_PER_WORKER", "2")))


def run_scenario(name: str, hello: Server, app: Server, fixtures: Fixtures, rundir: Path,
                 args) -> dict[str, Any]:
    connections = args.connections
    if name == "hello":
        fixture = write_fixture(rundir / "hello.txt", [("path", "/")])
        return measure(name, hello, "pages.lua", fixture, args)
    if name == "lesson":
        if not fixtures.lesson_users:
            return {"skipped": "no bench person with a completion to sign in as"}
        log(f"lesson: signing in {len(fixtures.lesson_users)} people over HTTP")
        sessions = sign_in_all(app.port, fixtures.lesson_users, fixtures.lesson_paths[0])
        fixture = write_fixture(rundir / "lesson.txt",
                                [("path", p) for p in fixtures.lesson_paths]
                                + [("cookie", cookie) for cookie, _token in sessions])
        result = measure(name, app, "pages.lua", fixture, args)
        result["people"], result["pages"] = len(sessions), len(fixtures.lesson_paths)
        return result
    if name == "quiz":
        if not fixtures.quiz_users:
            return {"skipped": "no bench person with every lesson read and no attempt"}
        log(f"quiz: signing in {len(fixtures.quiz_users)} people over HTTP")
        slug = fixtures.quiz_courses[0]
        sessions = sign_in_all(app.port, fixtures.quiz_users, f"/courses/{slug}/quiz/")
        fixture = write_fixture(rundir / "quiz.txt",
                                [("course", c) for c in fixtures.quiz_courses]
                                + [("session", cookie, token) for cookie, token in sessions])
        result = measure(name, app, "quiz.lua", fixture, args)
        result["people"] = len(sessions)
        return result
    if name == "verify":
        if not fixtures.codes:
            return {"skipped": "no completion codes in the database"}
        fixture = write_fixture(rundir / "verify.txt",
                                [("path", f"/api/v1/verify/{code}") for code in fixtures.codes])
        result = measure(name, app, "pages.lua", fixture, args)
        result["codes"] = len(fixtures.codes)
        return result
    if name == "dashboard":
        cookie, _token = sign_in(app.port, OFFICER, "/profile/")
        status, _headers, _body = http(app.port, "GET", fixtures.dashboard_path,
                                       {"Cookie": cookie}, timeout=300)
        if status == 404:
            log("dashboard: not available (GET /dashboard/ answered 404): skipped")
            return {"skipped": "not available: GET /dashboard/ answered 404"}
        if status != 200:
            return {"skipped": f"GET {fixtures.dashboard_path} answered {status}"}
        sessions = [cookie] + [sign_in(app.port, OFFICER, "/profile/")[0]
                               for _ in range(min(3, connections - 1))]
        fixture = write_fixture(rundir / "dashboard.txt",
                                [("path", fixtures.dashboard_path)]
                                + [("cookie", c) for c in sessions])
        return measure(name, app, "pages.lua", fixture, args)
    return {"skipped": f"unknown scenario {name}"}


if __name__ == "__main__":
    sys.exit(main())
