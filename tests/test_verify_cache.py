"""The public verification answer is remembered per code, and a revocation shows at once:
in the worker that revoked and in another one with its own cache (two apps on one database
stand for two gunicorn workers without Redis)."""
from __future__ import annotations

import threading

from sqlalchemy import update

from elearn.extensions import db
from elearn.models import Completion, User
from elearn.services import codes
from elearn.services.completions import mask_name
from elearn.services.accounts import find_user, update_profile
from elearn.services.orgs import create_unit, save_unit, unit_by_code
from elearn.testing import Browser, csrf_token, serve, signed_in_client, write_course

from kit import PASSWORD, build_centre, complete


def issued(app) -> tuple[str, int]:
    with app.app_context():
        build_centre()
        completion = complete()
        return codes.display(completion.code), completion.id


def rename_holder(app, name: str) -> None:
    """Behind the application's back, so only a fresh read of the record can show it."""
    with app.app_context():
        db.session.execute(update(User).where(User.username == "hoc.vien")
                           .values(full_name=name))
        db.session.commit()


def test_the_answer_is_remembered_and_a_revocation_shows_at_once_in_every_worker(make_app):
    first, second = (make_app(VERIFY_CACHE_SECONDS=300),  # two workers, each with its own cache
                     make_app(VERIFY_CACHE_SECONDS=300))
    code, completion_id = issued(first)
    public_1, public_2 = first.test_client(), second.test_client()
    for client in (public_1, public_2):
        answer = client.get(f"/api/v1/verify/{code}").get_json()
        assert (answer["status"], answer["holder"]) == ("valid", "N. T. Á. T****")

    rename_holder(first, "Trần Văn Khác")
    # Remembered: the record is not read again (the name is the cached one).
    assert public_1.get(f"/api/v1/verify/{code.lower()}").get_json()["holder"] \
        == "N. T. Á. T****"

    verifier = signed_in_client(first, "ttct", PASSWORD)
    token = csrf_token(verifier, "/centre/completions")
    assert verifier.post(f"/centre/completions/{completion_id}/revoke",
                         data={"csrf_token": token, "reason": "Ghi nhầm người học"}
                         ).status_code == 302
    for client in (public_1, public_2):
        answer = client.get(f"/api/v1/verify/{code}").get_json()
        assert answer["status"] == "revoked", answer
        assert answer["revocation_reason"] == "Ghi nhầm người học"
        assert answer["holder"] == "T. V. K***"           # read afresh


def test_without_the_cache_every_lookup_reads_the_record(make_app):
    app = make_app(VERIFY_CACHE_SECONDS=0)
    code, _completion_id = issued(app)
    public = app.test_client()
    assert public.get(f"/api/v1/verify/{code}").get_json()["holder"] == "N. T. Á. T****"
    rename_holder(app, "Trần Văn Khác")
    assert public.get(f"/api/v1/verify/{code}").get_json()["holder"] == "T. V. K***"


def test_signed_in_verifiers_and_mistyped_codes_are_answered_as_before(make_app):
    app = make_app()
    code, _completion_id = issued(app)
    public = app.test_client()
    public.get(f"/api/v1/verify/{code}")                  # remembered for the public
    verifier = signed_in_client(app, "ttct", PASSWORD)
    assert verifier.get(f"/api/v1/verify/{code}").get_json()["holder"] \
        == "Nguyễn Thị Ánh Tuyết"
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = public.get(f"/api/v1/verify/{typo}")
    assert response.status_code == 400 and "error" in response.get_json()
    assert public.get(f"/api/v1/verify/{codes.new_code()}").get_json() == {
        "status": "unknown"}


# -- every input of the answer is checked on every use -----------------------------------------
# Each test first has the answer remembered (by both workers where two take part), then changes
# one thing the answer shows, the way the application changes it, and expects the new answer
# at once. Without the matching part of the check each of them reads the remembered answer.


def answers(clients, code: str) -> list[dict]:
    return [client.get(f"/api/v1/verify/{code}").get_json() for client in clients]


def two_workers(make_app):
    first, second = make_app(), make_app()   # the default settings: the cache is on
    code, _completion_id = issued(first)
    clients = (first.test_client(), second.test_client())
    for answer in answers(clients, code):
        assert (answer["holder"], answer["unit"], answer["issuer"]) == (
            "N. T. Á. T****", "Chi bộ Phú Hòa", "Tỉnh")
    return first, clients, code


def test_the_cache_is_on_by_default(make_app):
    app = make_app()
    code, _completion_id = issued(app)
    public = app.test_client()
    public.get(f"/api/v1/verify/{code}")
    rename_holder(app, "Trần Văn Khác")                     # behind the application's back
    assert public.get(f"/api/v1/verify/{code}").get_json()["holder"] == "N. T. Á. T****"


def test_a_holder_renamed_in_the_app_shows_at_once_in_every_worker(make_app):
    first, clients, code = two_workers(make_app)
    with first.app_context():
        person = find_user("hoc.vien")
        update_profile(person, full_name="Lê Thị Mới", email=person.email, phone=person.phone,
                       locale=person.locale)
    assert [a["holder"] for a in answers(clients, code)] == ["L. T. M**"] * 2


def test_a_renamed_unit_and_a_renamed_or_changed_issuing_tree_show_at_once(make_app):
    first, clients, code = two_workers(make_app)
    with first.app_context():
        cell = unit_by_code("H-C1")
        save_unit(cell, name="Chi bộ Phú Hòa Mới", level=cell.level, parent=cell.parent)
    assert [a["unit"] for a in answers(clients, code)] == ["Chi bộ Phú Hòa Mới"] * 2
    with first.app_context():
        province = unit_by_code("T")
        save_unit(province, name="Tỉnh Mới", level=province.level, parent=None)
    assert [a["issuer"] for a in answers(clients, code)] == ["Tỉnh Mới"] * 2
    with first.app_context():
        create_unit("X", "Tỉnh Xa", "province")
        db.session.commit()
    assert [a["issuer"] for a in answers(clients, code)] == ["Tỉnh Mới"] * 2  # remembered again
    with first.app_context():  # the holder's district moves to another province
        district = unit_by_code("H")
        save_unit(district, name=district.name, level=district.level,
                  parent=unit_by_code("X"))
    assert [a["issuer"] for a in answers(clients, code)] == ["Tỉnh Xa"] * 2


def test_a_changed_record_or_revocation_shows_at_once_however_it_was_changed(make_app):
    """The rows are the evidence: edited behind the application's back (no stamp moves), the
    remembered answer is not used."""
    first, clients, code = two_workers(make_app)
    with first.app_context():
        db.session.execute(update(Completion).where(Completion.code == codes.normalise(code))
                           .values(score=100))
        db.session.commit()
    assert [a["status"] for a in answers(clients, code)] == ["invalid"] * 2
    with first.app_context():
        db.session.execute(update(Completion).where(Completion.code == codes.normalise(code))
                           .values(score=90.0))
        db.session.commit()
    assert [a["status"] for a in answers(clients, code)] == ["valid"] * 2


def test_a_course_retitled_and_reloaded_shows_at_once(make_app, tmp_path):
    root = tmp_path / "courses"
    folder = write_course(root)
    app = make_app(COURSE_DIRS=[str(root)], COURSE_REVISION_CHECK_SECONDS=0)
    with app.app_context():
        build_centre()
        code = codes.display(complete(slug="khoa-thu").code)
    public = app.test_client()
    assert public.get(f"/api/v1/verify/{code}").get_json()["course"]["title"] \
        == "Khóa thử khoa-thu"
    course = folder / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace(
        '"Khóa thử khoa-thu"', '"Khóa học đổi tên"'), encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["elearn", "courses", "reload"]).exit_code == 0
    assert public.get(f"/api/v1/verify/{code}").get_json()["course"]["title"] \
        == "Khóa học đổi tên"


def test_a_remembered_answer_is_the_same_bytes_as_a_fresh_one(make_app):
    app, uncached = make_app(), make_app(VERIFY_CACHE_SECONDS=0)
    code, _completion_id = issued(app)
    fresh = uncached.test_client().get(f"/api/v1/verify/{code}")
    public = app.test_client()
    for _ in range(2):  # computed, then remembered
        response = public.get(f"/api/v1/verify/{code}")
        assert response.get_data() == fresh.get_data()
        assert response.headers["Content-Type"] == fresh.headers["Content-Type"] \
            == "application/json"


def test_people_renaming_themselves_at_the_same_moment_all_show_at_once(make_app):
    """Every rename writes the one stamp row: racing renames through a real server all save
    (the row serialises them, nothing fails), and each new name is what the public sees."""
    app = make_app()
    with app.app_context():
        build_centre()
        shown = {username: codes.display(complete(username=username).code)
                 for username in ("hoc.vien", "ban.ngoai")}
    public = app.test_client()
    for code in shown.values():                            # remembered
        assert public.get(f"/api/v1/verify/{code}").get_json()["status"] == "valid"
    with serve(app) as base:
        tabs = {}
        for username in shown:
            tab = Browser(base)
            tab.login(username, PASSWORD)
            tabs[username] = (tab, tab.csrf("/profile/"))
        for round_ in range(3):
            names = {"hoc.vien": f"Lê Thị Vòng{round_}", "ban.ngoai": f"Phan Văn Lượt{round_}"}
            barrier, statuses = threading.Barrier(len(tabs)), []

            def save(username: str) -> None:
                tab, token = tabs[username]
                barrier.wait()
                statuses.append(tab.post("/profile/", {
                    "csrf_token": token, "full_name": names[username], "email": "",
                    "phone": "", "locale": "vi"}))

            threads = [threading.Thread(target=save, args=(name,)) for name in tabs]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert statuses == [302, 302], statuses
            holders = {username: public.get(f"/api/v1/verify/{code}").get_json()["holder"]
                       for username, code in shown.items()}
            assert holders == {username: mask_name(name) for username, name in names.items()}


def _statements_sent(engine, tmp_path, run) -> list[str]:
    """The first word of every statement the database library sends while `run()` runs, as the
    driver itself reports them: SQLite's trace callback (BEGIN and ROLLBACK included), libpq's
    protocol trace on PostgreSQL (the look-up uses the driver's cursor, below SQLAlchemy's
    events)."""
    from sqlalchemy import event

    sent: list[str] = []
    trace = (tmp_path / "libpq.trace").open("w+")

    def watch(dbapi_connection, _record, _proxy) -> None:
        if engine.dialect.name == "postgresql":
            dbapi_connection.pgconn.trace(trace.fileno())
        else:
            dbapi_connection.set_trace_callback(lambda sql: sent.append(sql.split()[0].upper()))

    def unwatch(dbapi_connection, _record) -> None:  # back in the pool: the pool's own work
        if engine.dialect.name == "postgresql":
            dbapi_connection.pgconn.untrace()
        else:
            dbapi_connection.set_trace_callback(None)

    event.listen(engine, "checkout", watch)
    event.listen(engine, "checkin", unwatch)
    try:
        run()
    finally:
        event.remove(engine, "checkout", watch)
        event.remove(engine, "checkin", unwatch)
    if engine.dialect.name == "postgresql":
        trace.seek(0)
        # Frontend messages: 'Query' (simple protocol) or 'Parse' (extended) carry the SQL.
        # A line: time, F(rontend) or B(ackend), length, message, its arguments.
        for line in trace:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 5 and fields[1] == "F" and fields[3] in ("Query", "Parse"):
                quoted = fields[4].split('"')  # Parse: "name" "SQL" …; Query: "SQL"
                sql = quoted[3] if fields[3] == "Parse" else quoted[1]
                sent.append(sql.split()[0].upper())
    trace.close()
    return sent


def test_a_remembered_answer_costs_one_statement_and_no_transaction(make_app, tmp_path):
    """The public look-up that finds its answer remembered sends the database one statement,
    outside any transaction (on PostgreSQL no BEGIN and ROLLBACK: three round trips were one
    query's worth of work)."""
    app = make_app(VERIFY_CACHE_SECONDS=300)
    code, _completion_id = issued(app)
    public = app.test_client()
    assert public.get(f"/api/v1/verify/{code}").status_code == 200
    with app.app_context():
        engine = db.engine

    def look_up_three_times() -> None:
        for _ in range(3):
            assert public.get(f"/api/v1/verify/{code}").get_json()["status"] == "valid"

    assert _statements_sent(engine, tmp_path, look_up_three_times) == ["SELECT"] * 3
