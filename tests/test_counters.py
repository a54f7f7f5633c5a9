"""Dashboard counters (issue #15 item 4): kept in the transaction of every change that moves
them, equal to a full recount after any sequence of actions and after concurrent duplicates
through a real server, and rebuilt or checked by `flask elearn counters`."""
from __future__ import annotations

import itertools
import threading
from datetime import date

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, select, update

from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Completion, Pledge, Revocation, StudyPlan, UnitCounter, User
from elearn.registry import current_registry
from elearn.services import completions, counters, pledges, progress
from elearn.services.accounts import create_user, find_user, move_user
from elearn.services.orgs import create_unit, unit_by_code
from elearn.services.reports import dashboard
from elearn.testing import Browser, serve, write_course
from kit import ONE_LESSON_COURSE

PASSWORD = "mat-khau-dai-2026"
COURSE = "cd-2016-toan-khoa"
YEAR = 2099
_worlds = itertools.count()

UNITS = ["P", "D0", "D1", "D0-0"]
action = st.one_of(
    st.tuples(st.just("join"), st.sampled_from(UNITS), st.sampled_from(["cadre", "student"])),
    st.tuples(st.just("open"), st.integers(0, 9)),
    st.tuples(st.just("study"), st.integers(0, 9)),
    st.tuples(st.just("complete"), st.integers(0, 9), st.sampled_from(["online", "in_person"])),
    st.tuples(st.just("revoke"), st.integers(0, 9)),
    st.tuples(st.just("move"), st.integers(0, 9), st.sampled_from(UNITS)),
    st.tuples(st.just("deactivate"), st.integers(0, 9)),
    st.tuples(st.just("audience"), st.integers(0, 9), st.sampled_from(["cadre", "student"])),
    st.tuples(st.just("plan"), st.sampled_from(UNITS), st.sampled_from(["cadre", "all"])),
    st.tuples(st.just("pledge"), st.integers(0, 9),
              st.sampled_from(["draft", "filed", "acknowledged", "assessed", "returned"])),
)


def _world() -> tuple[dict, User]:
    n = next(_worlds)
    units = {"P": create_unit(f"C{n}-P", f"Tỉnh {n}", "province")}
    units["D0"] = create_unit(f"C{n}-D0", "Huyện 0", "district", units["P"])
    units["D1"] = create_unit(f"C{n}-D1", "Huyện 1", "district", units["P"])
    units["D0-0"] = create_unit(f"C{n}-D0-0", "Chi bộ", "cell", units["D0"])
    officer = create_user(f"c{n}.officer", "Cán bộ", PASSWORD, units["P"])
    db.session.commit()
    return units, officer


def _apply(step, units, officer, people: list[User], clock) -> None:
    """One action through the service that owns it (each commits, as on the site)."""
    course = current_registry().course(COURSE)
    lesson = course.lessons[0]
    kind, *args = step
    if kind == "join":
        people.append(create_user(f"{officer.username}.{len(people)}", "Người", PASSWORD,
                                  units[args[0]], audience=args[1]))
        db.session.commit()
        return
    if kind == "plan":
        db.session.add(StudyPlan(year=YEAR, unit=units[args[0]], title="KH", audience=args[1],
                                 courses="[]", deadline=date(YEAR, 12, 31),
                                 template=DEFAULT_TEMPLATE))
        db.session.commit()
        return
    if not people:
        return
    person = people[args[0] % len(people)]
    if kind == "open":
        progress.open_lesson(person, course, lesson)
        db.session.commit()
    elif kind == "study":
        progress.open_lesson(person, course, lesson)
        db.session.commit()
        clock.advance(3600)
        progress.mark_studied(person, course, lesson)  # the conditional UPDATE path
    elif kind == "complete":
        if completions.active_completion(person.id, COURSE) is None:
            completions.create(person, course, method=args[1], score=80)
            db.session.commit()
    elif kind == "revoke":
        active = completions.active_completion(person.id, COURSE)
        if active is not None:
            completions.revoke_once(active.id, "sai sót", officer)
    elif kind == "move":
        move_user(person, units[args[1]])
        db.session.commit()
    elif kind == "deactivate":
        person.active = False
        db.session.commit()
    elif kind == "audience":
        person.audience = args[1]
        db.session.commit()
    elif kind == "pledge":
        plan = pledges.applicable_plan(person, YEAR, create_default=False)
        if plan is None:
            return
        pledge = db.session.scalar(select(Pledge).where(Pledge.user_id == person.id,
                                                        Pledge.plan_id == plan.id))
        if pledge is None:
            db.session.add(Pledge(user=person, plan=plan, year=YEAR, status=args[1]))
        else:
            pledge.status = args[1]
        db.session.commit()


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(action, min_size=1, max_size=14))
def test_after_any_sequence_of_actions_the_counters_equal_a_recount(app, clock, steps):
    with app.app_context():
        units, officer = _world()
        people: list[User] = []
        for step in steps:
            _apply(step, units, officer, people, clock)
        assert counters.check() == []
        ids = [unit.id for unit in units.values()]
        assert counters.stored(ids) == counters.recount(ids)


def test_each_change_moves_the_figures_in_its_own_transaction(app, clock):
    with app.app_context():
        units, officer = _world()
        course = current_registry().course(COURSE)
        a = create_user("a.hoc", "A", PASSWORD, units["D0-0"])
        b = create_user("b.hoc", "B", PASSWORD, units["D1"], audience="student")
        db.session.commit()
        top = lambda **kw: dashboard(units["P"], course=kw.get("course"), year=YEAR,  # noqa
                                     audience=kw.get("audience", "all")).total
        assert (top().people, top().enrolled) == (3, 0)
        progress.open_lesson(a, course, course.lessons[0])
        db.session.commit()
        assert (top().enrolled, top(course=COURSE).enrolled, top(course="khac").enrolled) \
            == (1, 1, 0)
        done = completions.create(b, course, method="in_person", score=None)
        db.session.commit()
        assert (top().completed, top().enrolled, top(audience="student").completed) == (1, 2, 1)
        completions.revoke_once(done.id, "nhầm", officer)
        assert (top().completed, top().enrolled) == (0, 1)
        move_user(a, units["D1"])
        db.session.commit()
        rows = {row.unit.code if row.unit else "": row
                for row in dashboard(units["P"], course=None, year=YEAR).rows}
        assert (rows[units["D0"].code].enrolled, rows[units["D1"].code].enrolled) == (0, 1)
        b.active = False
        db.session.commit()
        assert top().people == 2
        assert counters.check() == []


def test_rebuild_and_check_commands(app):
    with app.app_context():
        units, _officer = _world()
        for i in range(3):
            create_user(f"r{i}", "R", PASSWORD, units["D1"])
        db.session.commit()
        code, province = units["D1"].code, units["P"].code
        # Someone edits the table by hand: check names the unit, rebuild puts it right.
        db.session.execute(update(UnitCounter).where(UnitCounter.unit_id == units["D1"].id,
                                                     UnitCounter.metric == "people")
                           .values(n=7))
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["elearn", "counters", "check"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and code in lines[0] and "7≠3" in lines[0], result.output
    result = runner.invoke(args=["elearn", "counters", "rebuild", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["elearn", "counters", "check"]).exit_code == 0
    # The whole tree in one batch (whole-table recount) puts a wrong row right as well.
    with app.app_context():
        db.session.execute(update(UnitCounter).where(UnitCounter.metric == "people")
                           .values(n=UnitCounter.n + 1))
        db.session.commit()
    assert runner.invoke(args=["elearn", "counters", "check"]).exit_code == 1
    result = runner.invoke(args=["elearn", "counters", "rebuild", "--batch", "100000"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["elearn", "counters", "check"]).exit_code == 0
    with app.app_context():
        assert dashboard(unit_by_code(province), course=None, year=YEAR).total.people == 4
    bad = runner.invoke(args=["elearn", "counters", "rebuild", "--batch", "0"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_rebuild_if_empty_fills_an_upgraded_database_once(app):
    """An existing site upgraded to the release that adds the table has people but no
    counters: `make migrate` / the upgrade steps run `rebuild --if-empty`, which fills them
    once and leaves them alone afterwards."""
    with app.app_context():
        units, _officer = _world()
        for i in range(3):
            create_user(f"u{i}", "U", PASSWORD, units["D1"])
        db.session.commit()
        db.session.execute(delete(UnitCounter))  # as migration 0027 leaves an old database
        db.session.commit()
        province = units["P"].code
    runner = app.test_cli_runner()
    assert runner.invoke(args=["elearn", "counters", "check"]).exit_code == 1
    first = runner.invoke(args=["elearn", "counters", "rebuild", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert runner.invoke(args=["elearn", "counters", "check"]).exit_code == 0
    with app.app_context():
        assert dashboard(unit_by_code(province), course=None, year=YEAR).total.people == 4
    # Once built, it leaves them alone (a wrong row stays for `check` to report).
    with app.app_context():
        db.session.execute(update(UnitCounter).where(UnitCounter.metric == "people")
                           .values(n=UnitCounter.n + 1))
        db.session.commit()
    again = runner.invoke(args=["elearn", "counters", "rebuild", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert runner.invoke(args=["elearn", "counters", "check"]).exit_code == 1




def test_concurrent_duplicates_and_neighbours_through_a_real_server(make_app, course_root):
    """Eight people of one cell each finish the course from two tabs at the same moment:
    sixteen requests contend for the cell's counters; every count lands once."""
    write_course(course_root, "mot-bai", course=ONE_LESSON_COURSE)
    app = make_app(COURSE_DIRS=[str(course_root)])
    people = [f"hv{i}" for i in range(8)]
    with app.app_context():
        cell = create_unit("CB", "Chi bộ", "cell", create_unit("T", "Tỉnh", "province"))
        for name in people:
            create_user(name, name, PASSWORD, cell)
        db.session.commit()
    page = "/courses/mot-bai/lessons/01-mot"
    with serve(app) as base:
        tabs = []
        for name in people:
            for _ in range(2):
                tab = Browser(base)
                tab.login(name, PASSWORD)
                tabs.append((tab, tab.csrf(page)))
        barrier, statuses = threading.Barrier(len(tabs)), []

        def study(tab, token):
            barrier.wait()
            statuses.append(tab.post(f"{page}/studied", {"csrf_token": token}))

        threads = [threading.Thread(target=study, args=pair) for pair in tabs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert len(statuses) == len(tabs) and all(s in (302, 303) for s in statuses), statuses
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Completion)
                                 .outerjoin(Revocation).where(Revocation.id.is_(None))) == 8
        total = dashboard(unit_by_code("T"), course="mot-bai", year=YEAR).total
        assert (total.people, total.enrolled, total.completed, total.lessons_studied) == \
            (8, 8, 8, 8)
        assert counters.check() == []
        assert find_user("hv0") is not None
