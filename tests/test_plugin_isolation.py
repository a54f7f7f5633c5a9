"""Plugins fail alone, and are called the way pluggy calls them.

A plugin whose grader, sign-in or pledge check raises does not take the site down: each kind
of failure has its policy, the log and /admin/plugins name the plugin and the file:line in its
own code. Hook implementations may declare any subset of a hook's arguments.
"""
from __future__ import annotations

import ast
import importlib
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from elearn.clock import local_today
from elearn import create_app
from elearn.api import LocalText, PlanCourse, PledgeAuthor, PledgeContext
from elearn.extensions import db
from elearn.models import PluginFailureEntry, Role
from elearn.registry import RegistryError
from elearn.services import codes, completions
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import base_config, login

from elearn.testing import PROJECT_ROOT, job_id_from, run_queued_jobs, write_course
from kit import (
    answer, attempt_row, csrf, pass_time, right_answer_form, start_attempt, submit,
)
from test_plugins import _file_pledge, _learner_site, _pledge_site, _pledge_status, _study
from kit import PASSWORD as WORLD_PASSWORD, build_world

PASSWORD = "mat-khau-dai-2026"


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    """Write a plugin module importable by name; returns its name and its file."""
    folder = tmp_path / "plugin_src"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))

    written = []

    def write(name: str, source: str) -> tuple[str, Path]:
        path = folder / f"{name}.py"
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
        written.append(name)
        importlib.invalidate_caches()
        return name, path

    yield write
    for name in written:  # the next test (or database) imports its own copy
        sys.modules.pop(name, None)


def line_of(path: Path, marker: str) -> int:
    """The line of the plugin file holding `marker` (where the plugin raises)."""
    return next(number for number, line in enumerate(path.read_text().splitlines(), start=1)
                if marker in line)


def with_admin(app):
    """An administrator's client (for /admin/plugins)."""
    with app.app_context():
        unit = create_unit("QT", "Ban quản trị", "province")
        grant_role(create_user("quan.tri", "Quản Trị", PASSWORD, unit), Role.ADMIN, unit)
        db.session.commit()
    client = app.test_client()
    assert login(client, "quan.tri", PASSWORD).status_code == 302
    return client


def failures(app, plugin: str) -> list[PluginFailureEntry]:
    with app.app_context():
        rows = list(db.session.scalars(select(PluginFailureEntry).where(
            PluginFailureEntry.plugin == plugin).order_by(PluginFailureEntry.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


# -- pluggy's calling convention ----------------------------------------------------------------

def test_an_implementation_may_declare_a_subset_of_the_hooks_arguments(tmp_path, plugin_module,
                                                                       course_root):
    write_course(course_root, "khong-tham-so")
    name, _path = plugin_module("subset_plugin", f"""
        from elearn.api import hookimpl
        @hookimpl
        def register_courses():
            return [{str(course_root)!r}]
        @hookimpl
        def register_blueprints():
            return []
        @hookimpl
        def startup(registry):
            registry.courses["khong-tham-so"]  # the frozen registry, without `app`
        """)
    app = create_app(base_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", PLUGINS=[name],
                                 COURSE_DIRS=[]))
    registry = app.extensions["elearn.registry"]
    assert registry.course_problems == ()
    assert list(registry.courses) == ["khong-tham-so"]
    assert registry.course("khong-tham-so").source == name


def test_start_up_errors_name_the_plugins_own_file_and_line(tmp_path, plugin_module):
    name, path = plugin_module("broken_types", """
        from elearn.api import hookimpl
        def _types():
            raise ValueError("bảng loại câu hỏi hỏng")  # RAISES HERE
        @hookimpl
        def register_question_types():
            return _types()
        """)
    with pytest.raises(RegistryError) as error:
        create_app(base_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", PLUGINS=[name]))
    message = str(error.value)
    assert message.startswith("broken_types: register_question_types raised ValueError")
    assert f"{path}:{line_of(path, 'RAISES HERE')}" in message


def test_a_raising_register_courses_is_reported_at_the_plugins_line(tmp_path, plugin_module):
    name, path = plugin_module("broken_courses", """
        from elearn.api import hookimpl
        @hookimpl
        def register_courses(app):
            raise OSError("thư mục khóa học không đọc được")  # RAISES HERE
        """)
    app = create_app(base_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", PLUGINS=[name]))
    [problem] = app.extensions["elearn.registry"].course_problems
    assert problem.source == "broken_courses"
    assert problem.errors[0].location() == f"{path}:{line_of(path, 'RAISES HERE')}"
    assert app.extensions["elearn.registry"].courses  # the shipped courses still load


# -- plugins fail alone --------------------------------------------------------------------------

FRAGILE_COURSE = """\
slug: de-vo
version: "1.0"
title: "Khóa có câu hỏi hỏng"
description: "Khóa học dùng để kiểm thử."
kind: annual
term: "2021-2025"
year: 2025
audience: all
lessons:
  - 01-mot.md
  - 02-hai.md
quiz:
  bank: quizzes/bank.yaml
  draw: 2
  pass_mark: 50
  shuffle: false
  time_limit_minutes: 10
  requires_lessons: false
"""

FRAGILE_BANK = """\
questions:
  - id: q1
    type: single_choice
    prompt: "Câu một?"
    options:
      - {id: a, text: "Sai"}
      - {id: b, text: "Đúng", correct: true}
      - {id: c, text: "Cũng sai"}
      - {id: d, text: "Vẫn sai"}
  - id: q-vo
    type: fragile
    prompt: "Câu có bộ chấm hỏng?"
"""


def test_a_raising_grader_scores_zero_and_the_course_page_keeps_working(
        make_app, plugin_module, course_root):
    """Today's bug: once the attempt's deadline passed, every visit closed (and graded) it
    again and answered 500. Now the question scores 0, the attempt closes, the page works,
    and the failure is listed with the course, the question and the plugin's line."""
    write_course(course_root, "de-vo", course=FRAGILE_COURSE, bank=FRAGILE_BANK)
    name, path = plugin_module("fragile_plugin", """
        from elearn.api import QuestionType, hookimpl
        class Fragile(QuestionType):
            name = "fragile"
            def parse(self, raw, ctx):
                return {}
            def public_view(self, question, language):
                return {}
            def grade(self, question, answer):
                return 1 / 0  # RAISES HERE
        @hookimpl
        def register_question_types():
            return [Fragile]
        """)
    app = make_app(PLUGINS=[name], COURSE_DIRS=[str(course_root)])
    assert app.extensions["elearn.registry"].course_problems == ()
    admin = with_admin(app)
    with app.app_context():
        unit = create_unit("T", "Tỉnh thử", "province")
        create_user("hoc.vien", "Học Viên", PASSWORD, unit)
        db.session.commit()
    learner = app.test_client()
    assert login(learner, "hoc.vien", PASSWORD).status_code == 302
    attempt_id = start_attempt(learner, "de-vo")
    order = attempt_row(app, attempt_id).question_ids
    assert answer(app, learner, "de-vo", attempt_id, order.index("q1") + 1).status_code < 400
    fragile = f"/courses/de-vo/quiz/{attempt_id}/{order.index('q-vo') + 1}"
    learner.post(fragile, data={"csrf_token": csrf(learner, fragile), "answer": "một câu trả lời",
                                "go": "save"})
    pass_time(app)  # the deadline passes with the attempt open

    for _visit in range(2):
        assert learner.get("/courses/de-vo/").status_code == 200
    attempt = attempt_row(app, attempt_id)
    assert attempt.state != "in_progress"
    assert attempt.points == 1.0 and attempt.max_points == 2.0  # q1 right, q-vo scored 0
    [failure] = failures(app, name)  # graded once: the attempt is closed, not re-graded
    assert failure.kind == "grade" and failure.subject == "de-vo/q-vo"
    assert failure.location == f"{path}:{line_of(path, 'RAISES HERE')}"
    assert failure.error.startswith("ZeroDivisionError")
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert name in page and "de-vo/q-vo" in page and failure.location in page


def test_a_type_that_cannot_present_its_question_leaves_it_out_and_the_quiz_works(
        make_app, plugin_module, course_root):
    write_course(course_root, "de-vo", course=FRAGILE_COURSE.replace(
        "time_limit_minutes: 10", "time_limit_minutes: 0"), bank=FRAGILE_BANK)
    name, path = plugin_module("unshowable_plugin", """
        from elearn.api import Grade, QuestionType, hookimpl
        class Fragile(QuestionType):
            name = "fragile"
            def parse(self, raw, ctx):
                return {}
            def public_view(self, question, language):
                raise LookupError("không dựng được câu hỏi")  # RAISES HERE
            def grade(self, question, answer):
                return Grade.of(1.0)
        @hookimpl
        def register_question_types():
            return [Fragile]
        """)
    app = make_app(PLUGINS=[name], COURSE_DIRS=[str(course_root)])
    with app.app_context():
        unit = create_unit("T", "Tỉnh thử", "province")
        create_user("hoc.vien", "Học Viên", PASSWORD, unit)
        db.session.commit()
    learner = app.test_client()
    assert login(learner, "hoc.vien", PASSWORD).status_code == 302
    attempt_id = start_attempt(learner, "de-vo")
    page = learner.get(f"/courses/de-vo/quiz/{attempt_id}/1")
    assert page.status_code == 200 and "Câu một?" in page.get_data(as_text=True)
    assert learner.get(f"/courses/de-vo/quiz/{attempt_id}/2").status_code == 404
    # The one question shown is question 1 whatever the attempt's order was.
    token = csrf(learner, f"/courses/de-vo/quiz/{attempt_id}/1")
    row = attempt_row(app, attempt_id)
    form = right_answer_form(app, "de-vo", row, "q1")
    assert learner.post(f"/courses/de-vo/quiz/{attempt_id}/1",
                        data={**form, "csrf_token": token, "go": "save"}).status_code < 400
    assert submit(learner, "de-vo", attempt_id).status_code < 400
    finished = attempt_row(app, attempt_id)
    assert finished.state != "in_progress"
    assert finished.points == 1.0 and finished.max_points == 2.0  # q-vo unanswered: 0
    rows = failures(app, name)
    assert rows and {(row.kind, row.subject) for row in rows} == {("present", "de-vo/q-vo")}
    assert rows[0].location == f"{path}:{line_of(path, 'RAISES HERE')}"


COUNTED_BANK = "questions:\n" + "".join(
    f'  - {{id: q{n}, type: counted, prompt: "Câu {n}?"}}\n' for n in (1, 2, 3))


def test_the_question_page_makes_the_view_of_its_own_question_only(
        make_app, plugin_module, course_root):
    """Every attempt shows each question in its own arrangement, but the question page shows
    one: once a type has shown a question (in any attempt), another attempt's pages number it
    without making its view; the view made is the page's own question's."""
    write_course(course_root, "dem", course=FRAGILE_COURSE.replace("de-vo", "dem").replace(
        "draw: 2", "draw: 3").replace("time_limit_minutes: 10", "time_limit_minutes: 0"),
        bank=COUNTED_BANK)
    name, _path = plugin_module("counted_plugin", """
        from elearn.api import Grade, QuestionType, hookimpl
        MADE = []
        class Counted(QuestionType):
            name = "counted"
            def parse(self, raw, ctx):
                return {}
            def public_view(self, question, language):
                MADE.append(question.id)
                return {}
            def grade(self, question, answer):
                return Grade.of(1.0)
        @hookimpl
        def register_question_types():
            return [Counted]
        """)
    app = make_app(PLUGINS=[name], COURSE_DIRS=[str(course_root)])
    with app.app_context():
        unit = create_unit("T", "Tỉnh thử", "province")
        for username in ("hoc.vien.a", "hoc.vien.b"):
            create_user(username, "Học Viên", PASSWORD, unit)
        db.session.commit()
    made = importlib.import_module(name).MADE
    first, second = app.test_client(), app.test_client()
    login(first, "hoc.vien.a", PASSWORD)
    login(second, "hoc.vien.b", PASSWORD)
    first_attempt = start_attempt(first, "dem")
    assert first.get(f"/courses/dem/quiz/{first_attempt}/1").status_code == 200
    assert sorted(made) == ["q1", "q2", "q3"]  # nothing shown before: every view is made

    made.clear()
    attempt_id = start_attempt(second, "dem")
    page = second.get(f"/courses/dem/quiz/{attempt_id}/3")
    assert page.status_code == 200 and "Câu 3?" in page.get_data(as_text=True)
    assert made == ["q3"]
    assert ">1</button>" in page.get_data(as_text=True)  # still numbered in the list
    assert second.get(f"/courses/dem/quiz/{attempt_id}/summary").status_code == 200
    assert second.get(f"/courses/dem/quiz/{attempt_id}/3").status_code == 200
    assert made == ["q3"]  # the same attempt's view is kept
    assert second.get(f"/courses/dem/quiz/{attempt_id}/4").status_code == 404


@pytest.mark.parametrize("broken", ["field", "parse_answer"])
def test_a_type_whose_answer_field_fails_leaves_the_other_questions_answerable(
        make_app, plugin_module, course_root, broken):
    """A type that cannot build its answer field is left out like one that cannot present its
    question; one that cannot read a submitted answer refuses it with a plain 400 message.
    Either way the learner's other answers save, and the failure is flagged."""
    write_course(course_root, "de-vo", course=FRAGILE_COURSE.replace(
        "time_limit_minutes: 10", "time_limit_minutes: 0"), bank=FRAGILE_BANK)
    name, path = plugin_module(f"broken_{broken}_plugin", f"""
        from elearn.api import Grade, QuestionType, hookimpl
        class Fragile(QuestionType):
            name = "fragile"
            def parse(self, raw, ctx):
                return {{}}
            def public_view(self, question, language):
                return {{}}
            def {broken}(self, *args):
                raise RuntimeError("hỏng")  # RAISES HERE
            def grade(self, question, answer):
                return Grade.of(1.0)
        @hookimpl
        def register_question_types():
            return [Fragile]
        """)
    app = make_app(PLUGINS=[name], COURSE_DIRS=[str(course_root)])
    with app.app_context():
        unit = create_unit("T", "Tỉnh thử", "province")
        create_user("hoc.vien", "Học Viên", PASSWORD, unit)
        db.session.commit()
    learner = app.test_client()
    assert login(learner, "hoc.vien", PASSWORD).status_code == 302
    attempt_id = start_attempt(learner, "de-vo")
    order = attempt_row(app, attempt_id).question_ids
    shown = ["q1"] if broken == "field" else order
    number = {qid: n for n, qid in enumerate(shown, start=1)}
    assert answer(app, learner, "de-vo", attempt_id, number["q1"]).status_code < 400
    if broken == "parse_answer":
        fragile = f"/courses/de-vo/quiz/{attempt_id}/{number['q-vo']}"
        response = learner.post(fragile, data={"csrf_token": csrf(learner, fragile),
                                               "answer": "một câu trả lời", "go": "save"})
        assert response.status_code == 400
        assert "đã được báo" in response.get_data(as_text=True)
    else:
        assert learner.get(f"/courses/de-vo/quiz/{attempt_id}/2").status_code == 404
    assert submit(learner, "de-vo", attempt_id).status_code < 400
    finished = attempt_row(app, attempt_id)
    assert finished.points == 1.0 and finished.max_points == 2.0
    rows = failures(app, name)
    assert {(row.kind, row.subject) for row in rows} == {(broken, "de-vo/q-vo")}
    assert rows[0].location == f"{path}:{line_of(path, 'RAISES HERE')}"


def test_a_raising_sign_in_plugin_is_skipped_and_its_failures_are_kept_pruned(
        make_app, plugin_module):
    name, path = plugin_module("broken_sso", """
        from elearn.api import hookimpl
        @hookimpl
        def authenticate(identifier, secret):
            raise ConnectionError("máy chủ SSO không trả lời")  # RAISES HERE
        """)
    app = make_app(PLUGINS=[name], PLUGIN_FAILURES_KEPT=3)
    admin = with_admin(app)  # signing the admin in already went past the broken plugin
    with app.app_context():
        unit = create_unit("T", "Tỉnh", "province")
        create_user("nguoi.dung", "Người Dùng", PASSWORD, unit)
        db.session.commit()
    for _attempt in range(3):
        assert login(app.test_client(), "nguoi.dung", PASSWORD).status_code == 302
    assert login(app.test_client(), "nguoi.dung", "sai-mat-khau").status_code == 401
    kept = failures(app, name)
    assert len(kept) == 3  # five failures (admin, three sign-ins, the wrong one), newest 3
    assert {row.kind for row in kept} == {"authenticate"}
    assert {row.location for row in kept} == {f"{path}:{line_of(path, 'RAISES HERE')}"}
    with app.app_context():
        assert db.session.scalar(select(func.max(PluginFailureEntry.id))) == kept[-1].id
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert "broken_sso" in page and "ConnectionError" in page
    assert "elearn.local_auth" in page and "authenticate" in page


def test_a_raising_pledge_check_is_unavailable_and_refuses_filing(make_app, plugin_module):
    name, path = plugin_module("broken_check", """
        from elearn.api import PledgeCheck, hookimpl
        class Flaky(PledgeCheck):
            name = "flaky"
            def check(self, context):
                raise RuntimeError("dịch vụ hồ sơ không trả lời")  # RAISES HERE
        @hookimpl
        def register_pledge_checks():
            return [Flaky]
        """)
    app = make_app(PLUGINS=[name])
    client = _pledge_site(app)
    editor = client.get(f"/pledges/{local_today().year}")
    assert editor.status_code == 200
    unavailable = "Một bước kiểm tra cần có trước khi nộp hiện không dùng được (flaky)."
    assert unavailable in editor.get_data(as_text=True)
    refused = _file_pledge(client)
    assert refused.status_code == 409 and unavailable in refused.get_data(as_text=True)
    assert _pledge_status(app, "khong.chuc.vu") == "draft"
    rows = failures(app, name)
    assert rows and {row.kind for row in rows} == {"pledge_check"}
    assert rows[0].location == f"{path}:{line_of(path, 'RAISES HERE')}"
    assert "broken_check" in with_admin(app).get("/admin/plugins").get_data(as_text=True)


# -- one public API --------------------------------------------------------------------------

PLUGIN_SOURCES = sorted((PROJECT_ROOT / "elearn" / "builtins").glob("*.py")) + sorted(
    (PROJECT_ROOT / "plugins" / "elearn-centre-example" / "src").rglob("*.py"))


@pytest.mark.parametrize("path", PLUGIN_SOURCES, ids=lambda p: p.name)
def test_plugins_import_elearn_only_through_the_public_api(path):
    package = path.parent.name
    wrong = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if package == "builtins" and node.level == 2:  # `from ..x import` is elearn.x
                module = f"elearn.{module}" if module else "elearn"
            elif node.level:
                continue  # the plugin's own modules
            if module.split(".")[0] == "elearn" and module != "elearn.api":
                wrong.append(f"{path.name}:{node.lineno} from {module}")
        elif isinstance(node, ast.Import):
            wrong += [f"{path.name}:{node.lineno} import {alias.name}" for alias in node.names
                      if alias.name.split(".")[0] == "elearn" and alias.name != "elearn.api"]
    assert wrong == []


def test_built_in_pledge_checks_decide_on_the_snapshot_alone(tmp_path):
    """A snapshot built by hand, an unmigrated database: a check that queried would fail or
    be counted. The decisions follow the snapshot."""
    app = create_app(base_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    checks = app.extensions["elearn.registry"].pledge_checks
    statements = []
    context = PledgeContext(
        user=PledgeAuthor(1, "Người Nộp", None, "Chi bộ A", False), year=2026,
        today=date(2026, 5, 2), deadline=date(2026, 5, 1), superiors_first=True,
        inside_first=True, courses=(PlanCourse("khoa-a", LocalText.of("Khóa A"), False),
                                    PlanCourse("khoa-b", None, True)),
        routed=False, superiors_waiting=("Bí Thư",), party_members_waiting=())
    with app.test_request_context():
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *args: statements.append(args[2]))
            results = {name: check.check(context) for name, check in checks.items()}
    assert statements == []
    assert {name: result.ok for name, result in results.items()} == {
        "study_verified": False, "routed": False, "superiors_first": False,
        "inside_first": True, "deadline": False}
    assert "Khóa A" in str(results["study_verified"].message)
    assert "khoa-b" not in str(results["study_verified"].message)
    assert "Bí Thư" in results["superiors_first"].message


def test_a_raising_exporter_fails_its_export_job_with_a_message(make_app, plugin_module):
    name, path = plugin_module("broken_exporter", """
        from elearn.api import Exporter, hookimpl
        class Broken(Exporter):
            name, extension, mimetype = "ods", "ods", "application/octet-stream"
            def stream(self, header, rows):
                yield b"mo-dau"
                raise KeyError("ô không hợp lệ")  # RAISES HERE
        @hookimpl
        def register_exporters():
            return [Broken]
        """)
    app = make_app(PLUGINS=[name])
    with app.app_context():
        build_world()
        db.session.commit()
    officer = app.test_client()
    assert login(officer, "role.officer", WORLD_PASSWORD).status_code == 302
    path_ods = "/dashboard/export/completions.ods?unit=A"
    job_id = job_id_from(officer.post(path_ods, data={"csrf_token": csrf(officer, path_ods)}))
    [job] = run_queued_jobs(app)
    assert job.status == "failed" and job.attempts == 1  # refused at once, not retried
    page = officer.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Xuất tệp ODS bị lỗi; hãy chọn định dạng khác." in page
    # The CSV export (the core's exporter) still works for the same person.
    csv = officer.get("/dashboard/export/completions.csv?unit=A")
    assert csv.status_code == 200 and "nguoi.a" in csv.get_data(as_text=True)
    [failure] = failures(app, name)
    assert failure.kind == "exporter" and failure.error.startswith("KeyError")
    assert failure.location == f"{path}:{line_of(path, 'RAISES HERE')}"


def test_a_raising_certificate_renderer_answers_503_and_other_formats_work(
        make_app, plugin_module, course_root):
    write_course(course_root, "co-chung-nhan")
    name, path = plugin_module("broken_renderer", """
        from elearn.api import CertificateRenderer, hookimpl
        class Broken(CertificateRenderer):
            name, extension, mimetype = "svg", "svg", "image/svg+xml"
            def render(self, certificate):
                raise MemoryError("hết bộ nhớ khi vẽ")  # RAISES HERE
        @hookimpl
        def register_certificate_renderers():
            return [Broken]
        """)
    app, client = _learner_site(make_app, course_root, PLUGINS=[name])
    with app.app_context():
        course = app.extensions["elearn.registry"].course("co-chung-nhan")
        display = codes.display(completions.create(find_user("hoc.vien"), course,
                                                   method="online", score=90).code)
        db.session.commit()
    broken = client.get(f"/certificates/{display}.svg")
    assert broken.status_code == 503
    assert "Định dạng này hiện không dùng được" in broken.get_data(as_text=True)
    pdf = client.get(f"/certificates/{display}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    [failure] = failures(app, name)
    assert failure.kind == "certificate_renderer" and failure.subject == display
    assert failure.location == f"{path}:{line_of(path, 'RAISES HERE')}"


def test_a_raising_completion_rule_issues_nothing_and_studying_keeps_working(
        make_app, plugin_module, course_root):
    write_course(course_root, "luat-hong")
    course_yaml = course_root / "luat-hong" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text() + "completion_rule: broken_rule\n")
    name, path = plugin_module("broken_rule_plugin", """
        from elearn.api import CompletionRule, hookimpl
        class BrokenRule(CompletionRule):
            name = "broken_rule"
            def is_met(self, course, record):
                return record.no_such_field  # RAISES HERE
        @hookimpl
        def register_completion_rules():
            return [BrokenRule]
        """)
    app, client = _learner_site(make_app, course_root, PLUGINS=[name])
    for lesson in ("01-mot", "02-hai"):
        _study(app, client, "luat-hong", lesson)
    assert client.get("/courses/luat-hong/").status_code == 200
    with app.app_context():
        assert completions.active_completion(find_user("hoc.vien").id, "luat-hong") is None
    rows = failures(app, name)
    assert rows and {(row.kind, row.subject) for row in rows} == {
        ("completion_rule", "luat-hong")}
    assert rows[0].location == f"{path}:{line_of(path, 'RAISES HERE')}"


# -- header figures ------------------------------------------------------------------------------

def test_hook_header_figures_are_read_with_the_sign_in_and_a_broken_one_is_dropped(
        make_app, plugin_module):
    """A plugin's header figure arrives with the sign-in look-up (no query of its own). A
    figure whose SQL fails is listed on /admin/plugins and dropped: pages keep working, with
    the other figures (the notification centre's unread count) still read with the sign-in."""
    from elearn.builtins.notifications.store import unread_count
    from elearn.services.sessions import load_session, start_session

    name, path = plugin_module("figures_plugin", """
        from sqlalchemy import func, literal_column
        from elearn.api import User, hookimpl

        @hookimpl
        def header_figures():
            return {"name_length": func.length(User.full_name),
                    "broken": literal_column("(SELECT count(*) FROM no_such_table)")}
        """)
    app = make_app(PLUGINS=[name])
    with app.app_context():
        build_world()
        token = start_session(find_user("nguoi.a"))
    client = app.test_client()
    assert login(client, "nguoi.a", WORLD_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200      # the first look-up meets the broken figure
    assert client.get("/profile/").status_code == 200
    reported = failures(app, name)
    assert [(row.kind, row.subject) for row in reported] == [("header_figures", "broken")]
    assert "no_such_table" in reported[0].error
    assert reported[0].location.startswith(f"{path}:")  # the plugin's hook
    with app.app_context():
        unread = unread_count(find_user("nguoi.a").id)
    with app.test_request_context("/"):
        statements = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]), named=False)
        user = load_session(token)
        assert user.request_figures == {"name_length": len("Người A"),
                                        "unread_notifications": unread}
    assert len(statements) == 1
