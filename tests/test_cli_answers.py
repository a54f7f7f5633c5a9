"""`flask elearn …` answers like the site: on an unmigrated or unreachable database, or with bad
arguments, every command prints ONE translated line saying what is wrong and what to run, and
exits non-zero — never a traceback. Each command runs as a person runs it: `python -m flask` in
its own process, on a real SQLite file and a real (or really closed) PostgreSQL."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import click
import click.testing
import pytest

from elearn.cli import make_cli
from elearn.testing import PROJECT_ROOT, _pg_execute, _postgres_admin_url, _with_database

BANK = PROJECT_ROOT / "courses" / "cd-2016-toan-khoa" / "quizzes" / "bank.yaml"


def walk(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every leaf command under a group, as the words a person types after `flask elearn`."""
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found.extend(walk(command, (*prefix, name)))
        else:
            found.append((*prefix, name))
    return found


COMMANDS = walk(make_cli())

# What each command needs to reach its work. A new command fails
# test_every_command_is_in_the_table until it is added here (like the route matrix).
ARGS: dict[tuple[str, ...], list[str]] = {
    ("audit", "export"): [],
    ("audit", "seal"): [],
    ("audit", "verify"): [],
    ("backup", "create"): ["--out", "{tmp}/backup"],
    ("backup", "restore"): ["{tmp}"],
    ("counters", "check"): [],
    ("counters", "rebuild"): ["--if-empty"],
    ("courses", "reload"): [],
    ("demo", "load"): [],
    ("invitations", "create"): ["--unit", "T-DEMO"],
    ("keys", "rotate"): ["audit"],
    ("people", "create-admin"): ["quantri", "--unit", "T-DEMO", "--name", "Quản Trị",
                                 "--password", "mat-khau-dai-2026"],
    ("people", "import"): ["{csv}"],
    ("units", "import"): ["{csv}"],
    ("worker",): ["--workers", "1"],
}
# Commands that need no database at all (course authors run them in their own CI): on a broken
# database they still work. Running them on an unreachable one proves they do not touch it.
DATABASE_FREE: dict[tuple[str, ...], list[str]] = {
    ("bank", "export"): [str(BANK), "--format", "gift", "--out", "{tmp}/bank.gift",
                         "--skip-bad"],
    ("bank", "import"): ["{tmp}/bank.gift", "--out", "{tmp}/bank.yaml"],
    ("bank", "template"): ["--out", "{tmp}/mau.xlsx"],
    ("courses", "check"): [str(PROJECT_ROOT / "courses")],
    ("courses", "list"): [],
    ("courses", "new"): ["khoa-moi", "--dir", "{tmp}/courses"],
    ("keys", "list"): [],
    # After `courses new` (the table runs in order): a Word lesson into that new course.
    ("lessons", "import"): ["{docx}", "--course", "{tmp}/courses/khoa-moi"],
    ("courses", "package"): [str(PROJECT_ROOT / "courses" / "cd-2016-toan-khoa"),
                             "--out", "{tmp}/khoa.zip"],
    ("plugins",): [],
}


def closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_elearn(database_url: str, tmp_path: Path, *words: str, locale: str = "vi"
                 ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ELEARN_LOAD_ENTRYPOINTS="false", ELEARN_DATABASE_URL=database_url,
               ELEARN_INSTANCE_PATH=str(tmp_path / "instance"),
               ELEARN_JOBS_QUEUE_FILE=str(tmp_path / "jobs-queue.sqlite3"),
               ELEARN_JOBS_DIR=str(tmp_path / "jobs"), ELEARN_PASSWORD_HASH="scrypt:1024:8:1",
               ELEARN_BABEL_DEFAULT_LOCALE=locale, ELEARN_COURSE_DIRS="[]")
    env.pop("ELEARN_SQLALCHEMY_DATABASE_URI", None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "elearn", "elearn", *words],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)


def arguments(template: list[str], tmp_path: Path) -> list[str]:
    csv = tmp_path / "rows.csv"
    csv.write_text("code,name,level,parent_code\nX1,Xã Một,grassroots,\n", encoding="utf-8")
    docx = tmp_path / "bai-hoc.docx"
    if any("{docx}" in word for word in template):
        from docx import Document

        document = Document()
        document.add_heading("Bài 3: Học và làm theo", level=1)
        document.add_paragraph("Mỗi đảng viên đăng ký việc làm cụ thể, sát nhiệm vụ.")
        document.save(docx)
    return [word.format(csv=csv, tmp=tmp_path, docx=docx) for word in template]


def assert_one_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for words in expected:
        assert words in lines[0], lines[0]
    return lines[0]


def test_every_command_is_in_the_table():
    assert sorted(COMMANDS) == sorted([*ARGS, *DATABASE_FREE])


@pytest.fixture
def unmigrated_postgresql() -> str:
    """An empty PostgreSQL database (skipped without a server, failed under CI, as the `app`
    fixture does)."""
    admin = _postgres_admin_url()
    if not admin:
        if os.environ.get("CI"):
            pytest.fail("ELEARN_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI")
        pytest.skip("no PostgreSQL server (set ELEARN_TEST_POSTGRES_URL or use make test)")
    name = f"elearn_empty_{uuid.uuid4().hex[:8]}"
    _pg_execute(f'CREATE DATABASE "{name}"')
    yield _with_database(admin, name)
    _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("command", sorted(ARGS), ids=" ".join)
def test_an_unmigrated_sqlite_file_says_run_flask_db_upgrade(command, tmp_path):
    result = flask_elearn(f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path, *command,
                          *arguments(ARGS[command], tmp_path))
    assert_one_line(result, "Cơ sở dữ liệu chưa được tạo: chạy `flask db upgrade`.")


# PostgreSQL fails differently (ProgrammingError, then an aborted transaction): the command
# of the issue, a writer that goes through the job queue, and the long-running worker.
POSTGRESQL_SAMPLE = [("audit", "verify"), ("people", "import"), ("worker",)]


@pytest.mark.parametrize("command", POSTGRESQL_SAMPLE, ids=" ".join)
def test_an_unmigrated_postgresql_database_says_run_flask_db_upgrade(
        command, tmp_path, unmigrated_postgresql):
    result = flask_elearn(unmigrated_postgresql, tmp_path, *command,
                          *arguments(ARGS[command], tmp_path))
    assert_one_line(result, "Cơ sở dữ liệu chưa được tạo: chạy `flask db upgrade`.")


@pytest.mark.parametrize("command", sorted(ARGS), ids=" ".join)
def test_an_unreachable_postgresql_says_so_and_what_to_check(command, tmp_path):
    port = closed_port()
    result = flask_elearn(f"postgresql+psycopg://elearn:bi-mat@127.0.0.1:{port}/elearn",
                          tmp_path, *command, *arguments(ARGS[command], tmp_path))
    line = assert_one_line(result, "Không kết nối được cơ sở dữ liệu",
                           f"127.0.0.1:{port}", "ELEARN_DATABASE_URL")
    assert "bi-mat" not in line  # the password is hidden


def test_database_free_commands_work_without_a_database(tmp_path):
    """In-process (they start no database work to fail): on an unreachable server they work."""
    from elearn import create_app
    from elearn.testing import base_config

    url = f"postgresql+psycopg://elearn@127.0.0.1:{closed_port()}/elearn"
    app = create_app(base_config(url, JOBS_QUEUE_FILE=str(tmp_path / "q.sqlite3"),
                                 JOBS_DIR=str(tmp_path)))
    for command in sorted(DATABASE_FREE):  # in order: export writes what import reads
        result = app.test_cli_runner().invoke(
            args=["elearn", *command, *arguments(DATABASE_FREE[command], tmp_path)])
        assert result.exit_code == 0 and result.exception is None, (command, result.output)


@pytest.fixture(scope="module")
def cli_app(tmp_path_factory):
    """Bad arguments never reach the database: these run in-process, on an unmigrated file."""
    from elearn import create_app
    from elearn.testing import base_config

    tmp = tmp_path_factory.mktemp("cli")
    app = create_app(base_config(f"sqlite:///{tmp / 'new.sqlite3'}", COURSE_DIRS=[],
                                 JOBS_QUEUE_FILE=str(tmp / "q.sqlite3"), JOBS_DIR=str(tmp)))
    yield app
    with app.app_context():
        from elearn.extensions import db

        db.engine.dispose()


def invoke(app, *words: str, locale: str = "vi") -> click.testing.Result:
    app.config["BABEL_DEFAULT_LOCALE"] = locale
    try:
        return app.test_cli_runner().invoke(args=["elearn", *words])
    finally:
        app.config["BABEL_DEFAULT_LOCALE"] = "vi"


def assert_one_line_in_process(result: click.testing.Result, *expected: str) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)  # an exception that escaped would be a traceback
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and not result.stdout, result.output
    for words in expected:
        assert words in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_bad_arguments_are_one_translated_line(command, cli_app):
    assert_one_line_in_process(
        invoke(cli_app, *command, "--khong-co"), "Lỗi: không có tùy chọn --khong-co.",
        f"Chạy `flask elearn {' '.join(command)} --help` để xem cách dùng.")


def test_bad_values_and_unknown_commands_name_what_is_wrong(cli_app, tmp_path):
    assert_one_line_in_process(invoke(cli_app, "invitations", "create", "--unit", "X",
                                      "--uses", "0"),
                               "Lỗi: giá trị không hợp lệ cho --uses: 0 is not in the range")
    assert_one_line_in_process(invoke(cli_app, "invitations", "create"),
                               "Lỗi: thiếu --unit. Chạy `flask elearn invitations create --help`")
    assert_one_line_in_process(invoke(cli_app, "courses", "check", str(tmp_path / "khong")),
                               "Lỗi: giá trị không hợp lệ cho [PATHS]...:")
    assert_one_line_in_process(invoke(cli_app, "audit", "verfy"),
                               "Lỗi: không có lệnh verfy. Chạy `flask elearn audit --help`")
    assert_one_line_in_process(invoke(cli_app, "--khong-co"), "Chạy `flask elearn --help`")
    assert_one_line_in_process(
        invoke(cli_app, "audit", "verify", "--khong-co", locale="en"),
        "Error: there is no option --khong-co. Run `flask elearn audit verify --help` to see "
        "how to use it.")
    # `flask elearn` alone still shows the help, as before.
    assert "audit" in invoke(cli_app).output


def test_a_database_behind_this_version_names_both_revisions(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    env = dict(os.environ, ELEARN_LOAD_ENTRYPOINTS="false", ELEARN_DATABASE_URL=url,
               ELEARN_INSTANCE_PATH=str(tmp_path / "instance"), ELEARN_COURSE_DIRS="[]")
    older = subprocess.run([sys.executable, "-m", "flask", "--app", "elearn", "db", "upgrade",
                            "0010"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                           timeout=300)
    assert older.returncode == 0, older.stderr
    result = flask_elearn(url, tmp_path, "people", "import", *arguments(["{csv}"], tmp_path))
    assert_one_line(result, "Cơ sở dữ liệu đang ở phiên bản 0010", "chạy `flask db upgrade`")


def test_what_a_command_finds_wrong_is_one_translated_line_too(app, tmp_path):
    """On a migrated database: a unit that does not exist, a file that cannot be written."""
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["elearn", "invitations", "create", "--unit", "KHONG-CO"])
    assert missing.exit_code == 2 and not missing.stdout
    assert missing.stderr.splitlines() == [
        "Lỗi: không có đơn vị nào có mã KHONG-CO. Chạy `flask elearn invitations create "
        "--help` để xem cách dùng."]
    out = tmp_path / "khong-co" / "head.json"
    unwritable = runner.invoke(args=["elearn", "audit", "export", "--out", str(out)])
    assert unwritable.exit_code == 1
    assert unwritable.exception is None or isinstance(unwritable.exception, SystemExit)
    assert unwritable.stderr.splitlines() == [
        f"Lỗi: không mở được {out}: No such file or directory"]
