"""The plugin API: one manager per app, default plugins like any other, ELEARN_PLUGINS,
blocking, entry points, and a start-up that fails on a misspelled hook."""
from __future__ import annotations

import json
import textwrap
from datetime import date, timedelta

import pluggy
import pytest
from sqlalchemy import select

from elearn.clock import local_today
from elearn import create_app
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Pledge, Position, StudyPlan
from elearn.registry import RegistryError
from elearn.services import codes, completions
from elearn.services.accounts import create_user, find_user
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import base_config, job_id_from, login, run_queued_jobs, write_course

from kit import PASSWORD as WORLD_PASSWORD, build_world, csrf, pass_time

LEARNER_PASSWORD = "mat-khau-dai-2026"


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    """Write a plugin module importable by name, as a training centre would ship one."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, source: str) -> str:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        return name

    return write


@pytest.fixture
def build(tmp_path):
    def factory(**config):
        return create_app(base_config(f"sqlite:///{tmp_path / 'plugins.sqlite3'}", **config))
    return factory


def registry_of(app):
    return app.extensions["elearn.registry"]


def test_default_plugins_load_like_any_other(build):
    registry = registry_of(build())
    names = {info.name: info for info in registry.plugins}
    assert "register_question_types" in names["elearn.question_types"].hooks
    assert "register_courses" in names["elearn.local_courses"].hooks
    assert {"single_choice", "multiple_choice", "true_false", "short_text"} <= set(
        registry.question_types)


def test_each_app_has_its_own_plugin_manager(build, plugin_module, course_root):
    write_course(course_root, "rieng")
    name = plugin_module("centre_a", f"""
        from elearn.api import hookimpl
        @hookimpl
        def register_courses(app):
            return [{str(course_root)!r}]
        """)
    with_plugin, without = build(PLUGINS=[name], COURSE_DIRS=[]), build(COURSE_DIRS=[])
    assert with_plugin.extensions["elearn.plugin_manager"] is not \
        without.extensions["elearn.plugin_manager"]
    assert "rieng" in registry_of(with_plugin).courses
    assert "rieng" not in registry_of(without).courses


def test_hook_register_courses_accepts_folders_and_course_objects(build, plugin_module,
                                                                    course_root):
    single = write_course(course_root / "one", "mot")
    write_course(course_root / "many", "hai")
    write_course(course_root / "many", "ba")
    name = plugin_module("centre_b", f"""
        from dataclasses import replace
        from elearn.api import hookimpl
        from elearn.content.loader import load_course
        from elearn.builtins.question_types import SingleChoice, TrueFalse
        @hookimpl
        def register_courses(app):
            types = {{"single_choice": SingleChoice(), "true_false": TrueFalse()}}
            built = replace(load_course({str(single)!r}, types), slug="tu-doi-tuong")
            return [{str(single)!r}, {str(course_root / 'many')!r}, built]
        """)
    registry = registry_of(build(PLUGINS=[name], COURSE_DIRS=[]))
    assert set(registry.courses) == {"mot", "hai", "ba", "tu-doi-tuong"}
    assert registry.course("hai").source == "centre_b"
    assert registry.course_problems == ()


def test_hook_register_question_types_adds_a_type_courses_can_use(build, plugin_module,
                                                                   course_root):
    bank = textwrap.dedent("""
        questions:
          - id: r1
            type: rating
            prompt: "Mức độ?"
            max: 5
          - id: r2
            type: rating
            prompt: "Mức độ hai?"
        """)
    write_course(course_root, "danh-gia", bank=bank)
    name = plugin_module("rating_plugin", """
        from elearn.api import hookimpl
        from elearn.api import Grade, QuestionType
        class Rating(QuestionType):
            name = "rating"
            fields = frozenset({"max"})
            def parse(self, raw, ctx):
                return {"max": raw.get("max", 5)}
            def grade(self, question, answer):
                return Grade.of(1.0)
            def public_view(self, question, language):
                return {"max": question.data["max"]}
        @hookimpl
        def register_question_types():
            return [Rating]
        """)
    without = registry_of(build(COURSE_DIRS=[str(course_root)]))
    assert "danh-gia" not in without.courses
    assert "unknown question type 'rating'" in str(without.course_problems[0].errors[0].message)
    registry = registry_of(build(PLUGINS=[name], COURSE_DIRS=[str(course_root)]))
    assert registry.course("danh-gia").quiz.questions[0].data == {"max": 5}


def test_duplicate_question_type_names_stop_start_up(build, plugin_module):
    name = plugin_module("dup_types", """
        from elearn.api import hookimpl
        from elearn.builtins.question_types import SingleChoice
        class Again(SingleChoice):
            pass
        @hookimpl
        def register_question_types():
            return [Again]
        """)
    with pytest.raises(RegistryError, match="single_choice"):
        build(PLUGINS=[name])


def test_misspelled_hook_fails_start_up(build, plugin_module):
    name = plugin_module("typo_plugin", """
        from elearn.api import hookimpl
        @hookimpl
        def register_course(app):
            return []
        """)
    with pytest.raises(pluggy.PluginValidationError, match="register_course"):
        build(PLUGINS=[name])


def test_blocked_plugins_are_not_loaded(build, plugin_module, course_root):
    write_course(course_root)
    registry = registry_of(build(COURSE_DIRS=[str(course_root)],
                                 BLOCKED_PLUGINS="elearn.local_courses"))
    assert registry.courses == {}
    assert "elearn.local_courses" not in {info.name for info in registry.plugins}


def test_plugins_come_from_environment_variables(plugin_module, tmp_path, monkeypatch,
                                                 course_root):
    write_course(course_root, "tu-bien-moi-truong")
    name = plugin_module("env_plugin", f"""
        from elearn.api import hookimpl
        @hookimpl
        def register_courses(app):
            return [{str(course_root)!r}]
        """)
    monkeypatch.setenv("ELEARN_PLUGINS", name)
    monkeypatch.setenv("ELEARN_COURSE_DIRS", "[]")
    monkeypatch.setenv("ELEARN_LOAD_ENTRYPOINTS", "false")
    monkeypatch.setenv("ELEARN_SECRET_KEY", "from-env")
    monkeypatch.setenv("ELEARN_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    assert list(registry_of(app).courses) == ["tu-bien-moi-truong"]


def test_hook_register_blueprints_adds_pages_that_declare_permissions(build, plugin_module):
    name = plugin_module("pages_plugin", """
        from flask import Blueprint
        from elearn.api import hookimpl
        from elearn.api import PUBLIC, permission
        bp = Blueprint("centre_pages", __name__, url_prefix="/centre")
        @bp.get("/hello")
        @permission(PUBLIC)
        def hello():
            return "xin chào"
        @bp.get("/forgot")
        def forgot():
            return "no permission declared"
        @hookimpl
        def register_blueprints(app):
            return [bp]
        """)
    client = build(PLUGINS=[name]).test_client()
    assert client.get("/centre/hello").get_data(as_text=True) == "xin chào"
    assert client.get("/centre/forgot").status_code == 403


def test_hook_register_commands_adds_flask_elearn_subcommands(build, plugin_module):
    name = plugin_module("command_plugin", """
        import click
        from elearn.api import hookimpl
        @hookimpl
        def register_commands(cli):
            @cli.command("greet")
            def greet():
                click.echo("chào trung tâm")
        """)
    app = build(PLUGINS=[name])
    result = app.test_cli_runner().invoke(args=["elearn", "greet"])
    assert result.exit_code == 0 and "chào trung tâm" in result.output
    # The group belongs to that app: another app does not get the command.
    other = build().test_cli_runner().invoke(args=["elearn", "greet"])
    assert other.exit_code != 0


def test_hook_startup_sees_the_frozen_registry(build, plugin_module):
    name = plugin_module("startup_plugin", """
        from elearn.api import hookimpl
        @hookimpl
        def startup(app, registry):
            app.config["SEEN_COURSES"] = sorted(registry.courses)
            try:
                registry.courses["x"] = None
            except TypeError:
                app.config["REGISTRY_FROZEN"] = True
        """)
    app = build(PLUGINS=[name])
    assert app.config["SEEN_COURSES"] == sorted(registry_of(app).courses)
    assert app.config["SEEN_COURSES"]  # the shipped courses
    assert app.config["REGISTRY_FROZEN"] is True


def test_flask_elearn_plugins_lists_versions_and_hooks(build, plugin_module):
    name = plugin_module("listed_plugin", """
        from elearn.api import hookimpl
        __version__ = "2.3.4"
        @hookimpl
        def register_courses(app):
            return []
        """)
    result = build(PLUGINS=[name]).test_cli_runner().invoke(args=["elearn", "plugins"])
    assert result.exit_code == 0
    assert "listed_plugin  2.3.4  [ELEARN_PLUGINS]" in result.output
    assert "elearn.question_types  0.1.0  [default]" in result.output
    assert "hooks: register_question_types" in result.output


def test_hook_authenticate_lets_a_plugin_sign_people_in_before_local_passwords(
        make_app, plugin_module):
    """An SSO-style plugin answers first; unknown people fall through to local passwords."""
    from elearn.extensions import db
    from elearn.services.accounts import create_user, find_user
    from elearn.services.orgs import create_unit
    from elearn.testing import login

    name = plugin_module("sso_plugin", """
        from elearn.api import hookimpl
        from elearn.api import find_user
        @hookimpl
        def authenticate(identifier, secret):
            if secret == "one-time-token-from-sso":
                return find_user(identifier)
            return None
        """)
    app = make_app(PLUGINS=[name])
    with app.app_context():
        unit = create_unit("T", "Tỉnh", "province")
        create_user("sso.user", "Người SSO", "local-password-1", unit)
        db.session.commit()
    assert login(app.test_client(), "sso.user", "one-time-token-from-sso").status_code == 302
    assert login(app.test_client(), "sso.user", "local-password-1").status_code == 302
    assert login(app.test_client(), "sso.user", "wrong-password").status_code == 401
    with app.app_context():
        assert find_user("sso.user") is not None


def _learner_site(make_app, course_root, **config):
    """An app with the given plugins and course folder, a unit and a learner signed in."""
    app = make_app(COURSE_DIRS=[str(course_root)], **config)
    with app.app_context():
        unit = create_unit("T", "Tỉnh thử", "province")
        create_user("hoc.vien", "Lê Văn Tám", LEARNER_PASSWORD, unit)
        db.session.commit()
    client = app.test_client()
    assert login(client, "hoc.vien", LEARNER_PASSWORD).status_code == 302
    return app, client


def _study(app, client, slug: str, lesson: str) -> None:
    """Open a lesson, let its reading time pass, mark it studied: through the pages."""
    assert client.get(f"/courses/{slug}/lessons/{lesson}").status_code == 200
    pass_time(app)
    token = csrf(client, f"/courses/{slug}/lessons/{lesson}")
    client.post(f"/courses/{slug}/lessons/{lesson}/studied",
                data={"csrf_token": token, "go": "stay"})


def _completion_of(app, username: str, slug: str):
    with app.app_context():
        completion = completions.active_completion(
            find_user(username).id, slug)
        if completion is not None:
            db.session.expunge(completion)
        return completion


def test_hook_register_completion_rules_lets_a_course_choose_its_rule(build, make_app,
                                                                      plugin_module,
                                                                      course_root):
    write_course(course_root, "chi-can-doc")
    course_yaml = course_root / "chi-can-doc" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text() + "completion_rule: two_lessons\n")
    name = plugin_module("rule_plugin", """
        from elearn.api import CompletionRule, hookimpl
        class TwoLessons(CompletionRule):
            name = "two_lessons"
            def is_met(self, course, record):
                return len(record.lessons_studied) >= 2
        @hookimpl
        def register_completion_rules():
            return [TwoLessons]
        """)
    without = registry_of(build(COURSE_DIRS=[str(course_root)]))
    assert "chi-can-doc" not in without.courses
    assert "unknown completion rule 'two_lessons'" in str(
        without.course_problems[0].errors[0].message)
    app, client = _learner_site(make_app, course_root, PLUGINS=[name])
    assert {"lessons_and_quiz", "lessons_only", "quiz_only", "two_lessons"} <= set(
        registry_of(app).completion_rules)
    # The core asks the plugin's rule after each step: one lesson is not enough (the
    # course's quiz is never taken, so the default rule would never be met either)...
    _study(app, client, "chi-can-doc", "01-mot")
    assert _completion_of(app, "hoc.vien", "chi-can-doc") is None
    # ...the second lesson is, and the core issues the signed completion.
    _study(app, client, "chi-can-doc", "02-hai")
    completion = _completion_of(app, "hoc.vien", "chi-can-doc")
    assert completion is not None and completion.method == "online"
    assert "Khóa thử chi-can-doc" in client.get("/certificates/").get_data(as_text=True)


def test_hook_register_certificate_renderers_adds_a_download_format(make_app, plugin_module,
                                                                    course_root):
    write_course(course_root, "co-chung-nhan")
    name = plugin_module("text_certificates", """
        from elearn.api import CertificateRenderer, hookimpl
        class PlainText(CertificateRenderer):
            name = "text"
            extension = "txt"
            mimetype = "text/plain"
            def render(self, certificate):
                return f"{certificate.holder_name} {certificate.display_code}".encode()
        @hookimpl
        def register_certificate_renderers():
            return [PlainText]
        """)
    # The built-in Open Badges renderers are blocked: this test is about the one added here.
    app, client = _learner_site(make_app, course_root, PLUGINS=[name],
                                BLOCKED_PLUGINS=["elearn.open_badges"])
    assert set(registry_of(app).certificate_renderers) == {"pdf", "text"}
    with app.app_context():
        course = registry_of(app).course("co-chung-nhan")
        code = completions.create(find_user("hoc.vien"), course, method="online",
                                  score=90).code
        display = codes.display(code)
        db.session.commit()
    page = client.get(f"/certificates/{display}").get_data(as_text=True)
    assert f"{display}.txt" in page  # offered next to the PDF
    download = client.get(f"/certificates/{display}.txt")
    assert download.status_code == 200 and download.mimetype == "text/plain"
    assert download.get_data(as_text=True) == f"Lê Văn Tám {display}"
    assert client.get(f"/certificates/{display}.doc").status_code == 404


def test_hook_register_pledge_checks_can_refuse_a_filing(make_app, plugin_module):
    """A province adds its own rule; filing through the pledge page is refused with its
    message and next step, and succeeds once the rule is met."""
    name = plugin_module("province_rules", """
        from elearn.api import CheckResult, PledgeCheck, hookimpl
        class PositionKnown(PledgeCheck):
            name = "position_known"
            def check(self, context):
                if context.user.position:
                    return CheckResult(True)
                return CheckResult(False, "Chưa có chức vụ", "Cập nhật hồ sơ")
        @hookimpl
        def register_pledge_checks():
            return [PositionKnown]
        """)
    app = make_app(PLUGINS=[name])
    assert list(app.extensions["elearn.registry"].pledge_checks) == [
        "study_verified", "routed", "superiors_first", "inside_first", "deadline",
        "position_known"]
    client = _pledge_site(app)
    refused = _file_pledge(client)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Chưa có chức vụ" in page and "Cập nhật hồ sơ" in page
    assert _pledge_status(app, "khong.chuc.vu") == "draft"
    with app.app_context():
        find_user("khong.chuc.vu").position = "Đảng viên"
        db.session.commit()
    assert _file_pledge(client).status_code == 302
    assert _pledge_status(app, "khong.chuc.vu") == "filed"


def test_hook_register_exporters_adds_a_download_format(make_app, plugin_module):
    name = plugin_module("tsv_exporter", """
        from elearn.api import Exporter, hookimpl, safe_row
        class Tsv(Exporter):
            name = "tsv"
            extension = "tsv"
            mimetype = "text/tab-separated-values"
            def stream(self, header, rows):
                yield ("\\t".join(header) + "\\n").encode()
                for row in rows:
                    yield ("\\t".join(map(str, safe_row(row))) + "\\n").encode()
        @hookimpl
        def register_exporters():
            return [Tsv]
        """)
    app = make_app(PLUGINS=[name])
    assert set(registry_of(app).exporters) == {"csv", "xlsx", "tsv"}
    with app.app_context():
        build_world()
        db.session.commit()
    officer = app.test_client()
    assert login(officer, "role.officer", WORLD_PASSWORD).status_code == 302
    # The dashboard offers the plugin's format next to the built-in ones...
    assert "completions.tsv" in officer.get("/dashboard/?unit=A").get_data(as_text=True)
    # ...and the core's export route runs it (as a job, like every non-CSV format).
    path = "/dashboard/export/completions.tsv?unit=A"
    job_id = job_id_from(officer.post(path, data={"csrf_token": csrf(officer, path)}))
    [job] = run_queued_jobs(app)
    assert job.status == "done"
    download = officer.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    lines = download.get_data(as_text=True).splitlines()
    assert lines[0].split("\t")[0] == "Họ và tên"
    assert [line.split("\t")[1] for line in lines[1:]] == ["nguoi.a"]


def _pledge_site(app):
    """A unit whose secretary receives pledges, an open plan without courses, and a person
    with no position yet, signed in."""
    with app.app_context():
        unit = create_unit("T", "Tỉnh", "province")
        create_user("khong.chuc.vu", "Người Mới", LEARNER_PASSWORD, unit)
        set_seat(unit, create_user("bi.thu", "Bí Thư", LEARNER_PASSWORD, unit,
                                   position="Bí thư"), Position.SECRETARY, None)
        db.session.add(StudyPlan(year=local_today().year, unit=unit, title="KH",
                                 audience="all", courses=json.dumps([]),
                                 deadline=local_today() + timedelta(days=1),
                                 superiors_first=False, template=DEFAULT_TEMPLATE))
        db.session.commit()
    client = app.test_client()
    assert login(client, "khong.chuc.vu", LEARNER_PASSWORD).status_code == 302
    return client


def _file_pledge(client):
    path = f"/pledges/{local_today().year}"
    return client.post(path, data={
        "csrf_token": csrf(client, path), "ct05-0-what": "Gặp dân mỗi tháng",
        "ct05-0-by_when": "Hằng tháng", "ct05-0-how": "Sổ ghi chép", "accepted": "y",
        "file": "y"})


def _pledge_status(app, username: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Pledge.status).where(
            Pledge.user_id == find_user(username).id))
