"""Command line: `flask elearn courses check|list`, `demo load`, and set-up that can be
run twice without duplicating or losing anything."""
from __future__ import annotations

from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import CommitteeSeat, Pledge, RoleGrant, Unit, User
from elearn.services.demo import COMMITTEE_PEOPLE, DEMO_PASSWORD, DEMO_PEOPLE, DEMO_UNITS
from elearn.testing import login, write_course
from elearn.testing.courses import COURSE


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Unit, User, RoleGrant, CommitteeSeat, Pledge))


def test_demo_load_twice_neither_duplicates_nor_loses_data(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["elearn", "demo", "load"])
    assert first.exit_code == 0, first.output
    assert "dangvien.an" in first.output and DEMO_PASSWORD in first.output
    after_first = counts(app)
    assert after_first[:2] == (len(DEMO_UNITS), len(DEMO_PEOPLE) + len(COMMITTEE_PEOPLE))
    # Someone changes their data between runs; a second load must keep it.
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "dangvien.an"))
        user.position = "Phó Trưởng ấp"
        db.session.commit()
    assert runner.invoke(args=["elearn", "demo", "load"]).exit_code == 0
    assert counts(app) == after_first
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "dangvien.an"))
        assert user.position == "Phó Trưởng ấp"
        assert user.password_hash.startswith("scrypt:")
        assert DEMO_PASSWORD not in user.password_hash


def test_demo_logins_work_and_units_form_a_tree(app):
    app.test_cli_runner().invoke(args=["elearn", "demo", "load"])
    client = app.test_client()
    response = login(client, "dangvien.an", DEMO_PASSWORD)
    assert response.status_code == 302
    assert "Trần Thị Ân" in client.get("/").get_data(as_text=True)
    with app.app_context():
        cell = db.session.scalar(select(Unit).where(Unit.code == "X-AP-CB1"))
        province = db.session.scalar(select(Unit).where(Unit.code == "T-DEMO"))
        assert cell.path.startswith(province.path) and cell.depth == 3


def test_wrong_password_is_refused_with_a_message(app):
    app.test_cli_runner().invoke(args=["elearn", "demo", "load"])
    client = app.test_client()
    response = login(client, "dangvien.an", "sai-mat-khau")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


def test_courses_check_lists_every_error_and_fails(app, course_root):
    write_course(course_root, "tot")
    bad = write_course(course_root, "hong")
    (bad / "course.yaml").write_text(
        (bad / "course.yaml").read_text().replace("kind: annual", "kind: x")
        .replace("audience: all", "audience: everyone"))
    result = app.test_cli_runner().invoke(args=["elearn", "courses", "check", str(course_root)])
    assert result.exit_code == 1
    assert f"{bad / 'course.yaml'}:5:" in result.output
    assert f"{bad / 'course.yaml'}:8:" in result.output
    assert "ok  tot" in result.output


def test_courses_check_passes_on_good_courses(app, course_root):
    folder = write_course(course_root, "tot")
    with (folder / "course.yaml").open("a") as course:  # two questions: easy to guess
        course.write("  max_guess_pass_probability: 1\n")
    result = app.test_cli_runner().invoke(args=["elearn", "courses", "check", str(course_root)])
    assert result.exit_code == 0, result.output


def test_courses_check_fails_a_quiz_that_guessing_passes_and_says_why(app, course_root):
    folder = write_course(course_root, "de-doan")  # 2 questions, unlimited attempts
    result = app.test_cli_runner().invoke(args=["elearn", "courses", "check", str(course_root)])
    assert result.exit_code == 1, result.output
    assert "ok  de-doan" in result.output  # it loads, it is just too easy
    assert "Khả năng đạt nhờ đoán mò, không học bài (điểm đạt 50%, 2 câu từ cả ngân hàng " \
        "câu hỏi):" in result.output
    assert "KHÔNG ĐẠT: người không học bài vẫn đạt với khả năng 100,00%; khóa học chỉ cho " \
        "phép tối đa 5,00% (quiz.max_guess_pass_probability)" in result.output
    # the key "Đúng" is longer than "Sai": a warning with the question's file and line
    assert f"cảnh báo: {folder / 'quizzes' / 'bank.yaml'}:2: câu q1: phương án đúng dài " \
        "nhất hẳn" in result.output


TRUE_FALSE_BANK = "questions:\n" + "".join(
    f"  - {{id: q{n}, type: true_false, prompt: \"Câu {n}?\", answer: {str(n % 2 == 0).lower()}}}\n"
    for n in range(10))


def test_courses_check_prints_each_strategy_exactly(app, course_root):
    """Ten true/false questions, five true, pass mark 70 %, two attempts: guessing at random
    passes one attempt with 176/1024 = 17.19 % and two with 1 - (848/1024)² = 31.42 %."""
    course = (COURSE.format(slug="dung-sai").replace("draw: 2", "draw: 10")
              .replace("pass_mark: 50", "pass_mark: 70")
              + "  max_attempts: 2\n  max_guess_pass_probability: 0.35\n")
    write_course(course_root, "dung-sai", course=course, bank=TRUE_FALSE_BANK)
    result = app.test_cli_runner().invoke(args=["elearn", "courses", "check", str(course_root)])
    assert result.exit_code == 0, result.output
    rows = {line.split("  ")[1].strip(): line.split()[-2:]
            for line in result.output.splitlines() if line.startswith("  ") and "%" in line
            and not line.startswith("  Khả năng")}
    assert rows["đoán ngẫu nhiên"] == ["17,19%", "31,42%"]
    assert rows["luôn trả lời “đúng”"] == ["0,00%", "0,00%"]
    assert rows["luôn trả lời “sai”"] == ["0,00%", "0,00%"]
    assert rows["kết hợp tệ nhất theo loại câu hỏi"] == ["17,19%", "31,42%"]
    assert "trong 2 lượt" in result.output and "KHÔNG ĐẠT" not in result.output


def test_courses_check_without_paths_checks_every_registered_course(make_app, course_root):
    write_course(course_root, "tot")
    bad = write_course(course_root, "hong")
    (bad / "lessons" / "02-hai.md").unlink()
    app = make_app(COURSE_DIRS=[str(course_root)])
    result = app.test_cli_runner().invoke(args=["elearn", "courses", "check"])
    assert result.exit_code == 1
    assert f"{bad / 'course.yaml'}:11:" in result.output


def test_courses_list_shows_content_hashes(make_app, course_root):
    write_course(course_root, "tot")
    app = make_app(COURSE_DIRS=[str(course_root)])
    course = app.extensions["elearn.registry"].course("tot")
    result = app.test_cli_runner().invoke(args=["elearn", "courses", "list"])
    assert result.exit_code == 0
    assert f"tot  v1.0  annual  2017  {course.content_hash[:16]}" in result.output
