"""Dashboard figures that add up (issue #14 item 4): everyone who completed is enrolled, in
person too; the "not yet filed" list and the filing share count only people a study plan
applies to, by the same rule that opens a person's pledge (pledges.applicable_plan); and the
chart is readable and labelled without JavaScript."""
from __future__ import annotations

import itertools
import re
from datetime import date

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import insert, select

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import LessonView, Pledge, Role, StudyPlan, User
from elearn.registry import current_registry
from elearn.services import completions, pledges
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit, subtree_of, unit_by_code
from elearn.services.reports import dashboard, missing
from elearn.models import Unit
from elearn.testing import login

PASSWORD = "mat-khau-dai"
COURSE = "cd-2016-toan-khoa"
YEAR = 2099                    # no course names it in pledge_years: only real plans apply
_worlds = itertools.count()


def _plan(unit, audience: str, year: int = YEAR) -> None:
    db.session.add(StudyPlan(year=year, unit=unit, title="KH", audience=audience,
                             courses="[]", deadline=date(year, 12, 31),
                             template=DEFAULT_TEMPLATE))


@st.composite
def worlds(draw):
    """A province of 2-4 districts, each with 0-2 cells; 1-12 people placed anywhere, each
    cadre or student, who may have studied, completed online or in person, and filed; plans
    on some units for some audiences."""
    districts = draw(st.lists(st.integers(0, 2), min_size=2, max_size=4))
    units = ["P"] + [f"D{d}" for d in range(len(districts))] + [
        f"D{d}-{c}" for d, cells in enumerate(districts) for c in range(cells)]
    person = st.fixed_dictionaries({
        "unit": st.sampled_from(units), "audience": st.sampled_from(["cadre", "student"]),
        "studied": st.booleans(), "completed": st.sampled_from([None, "online", "in_person"]),
        "files": st.booleans(), "party_member": st.booleans(),
        "role": st.sampled_from([None, Role.ADMIN, Role.INSPECTOR, Role.VERIFIER, Role.OFFICER])})
    people = draw(st.lists(person, min_size=1, max_size=12))
    plans = draw(st.lists(st.tuples(st.sampled_from(units),
                                    st.sampled_from(["cadre", "student", "all"])),
                          max_size=3, unique_by=lambda plan: plan[0]))
    return districts, people, plans


def _build(world) -> str:
    """The world under its own province code (examples share one database)."""
    districts, people, plans = world
    n = next(_worlds)
    code = lambda name: f"W{n}-{name}"  # noqa: E731
    units = {"P": create_unit(code("P"), f"Tỉnh {n}", "province")}
    for d, cells in enumerate(districts):
        units[f"D{d}"] = create_unit(code(f"D{d}"), f"Huyện {d}", "district", units["P"])
        for c in range(cells):
            units[f"D{d}-{c}"] = create_unit(code(f"D{d}-{c}"), f"Chi bộ {d}.{c}", "cell",
                                             units[f"D{d}"])
    for unit, audience in plans:
        _plan(units[unit], audience)
    db.session.flush()
    course = current_registry().course(COURSE)
    for i, facts in enumerate(people):
        user = create_user(code(f"u{i}"), f"Người {n}.{i}", PASSWORD, units[facts["unit"]],
                           audience=facts["audience"], is_party_member=facts["party_member"])
        if facts["role"]:
            grant_role(user, facts["role"], units[facts["unit"]])
        if facts["studied"]:
            db.session.execute(insert(LessonView), [{
                "user_id": user.id, "course_slug": COURSE, "lesson_slug": "l1",
                "course_version": "1", "content_hash": "h", "studied_at": local_today()}])
        if facts["completed"]:
            completions.create(user, course, method=facts["completed"], score=80)
        plan = pledges.applicable_plan(user, YEAR, create_default=False)
        if facts["files"] and plan is not None:
            db.session.add(Pledge(user=user, plan=plan, year=YEAR, status="filed"))
    db.session.commit()
    return code("P")


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
def test_figures_nest_on_every_unit_and_the_plan_rule_is_the_pledge_rule(app, world):
    with app.app_context():
        top = unit_by_code(_build(world))
        units = db.session.scalars(select(Unit).where(subtree_of(top.path))).all()
        for unit in units:
            for course in (COURSE, None):
                board = dashboard(unit, course=course, year=YEAR)
                for row in [board.total, *board.rows]:
                    assert row.people >= row.enrolled >= row.completed, (unit.code, row)
                    assert row.people >= row.planned >= row.filed, (unit.code, row)
        people = db.session.scalars(select(User).join(Unit, User.unit_id == Unit.id)
                                    .where(subtree_of(top.path))).all()
        to_file = {p.id for p in people
                   if pledges.applicable_plan(p, YEAR, create_default=False) is not None}
        filed = set(db.session.scalars(select(Pledge.user_id).where(Pledge.year == YEAR)))
        listed = {p.id for p in db.session.scalars(
            missing(top, what="pledge", course=None, year=YEAR))}
        assert listed == to_file - filed
        assert dashboard(top, course=None, year=YEAR).total.planned == len(to_file)


def test_in_person_completions_count_as_enrolled(app):
    with app.app_context():
        province = create_unit("P", "Tỉnh", "province")
        course = current_registry().course(COURSE)
        for name in ("a", "b", "c"):
            completions.create(create_user(name, name, PASSWORD, province), course,
                               method=completions.IN_PERSON, score=None)
        db.session.commit()
        total = dashboard(province, course=COURSE, year=YEAR).total
    assert (total.people, total.enrolled, total.completed) == (3, 3, 3)


def _demo_like(app):
    """The walk's province: a cadre plan on the province; a student below it and a
    district cadre outside the plan's subtree (a sibling province)."""
    with app.app_context():
        province = create_unit("T", "Tỉnh T", "province")
        college = create_unit("CD", "Cao đẳng", "grassroots", province)
        other = create_unit("K", "Tỉnh khác", "province")
        _plan(province, "cadre")
        create_user("can.bo", "Cán bộ chưa nộp", PASSWORD, province)
        create_user("da.nop", "Cán bộ đã nộp", PASSWORD, province)
        create_user("sinh.vien", "Sinh viên Dung", PASSWORD, college, audience="student")
        create_user("ngoai", "Người tỉnh khác", PASSWORD, other)
        officer = create_user("tuyengiao", "Tuyên giáo", PASSWORD, province)
        grant_role(officer, Role.OFFICER, province)
        db.session.flush()
        plan = pledges.applicable_plan(find_user("da.nop"), YEAR, create_default=False)
        db.session.add(Pledge(user=find_user("da.nop"), plan=plan, year=YEAR,
                              status="acknowledged"))
        db.session.commit()


def test_not_yet_filed_lists_only_people_a_plan_applies_to(app):
    _demo_like(app)
    client = app.test_client()
    login(client, "tuyengiao", PASSWORD)
    page = client.get(f"/dashboard/missing?unit=T&what=pledge&year={YEAR}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Cán bộ chưa nộp" in html and "Tuyên giáo" in html
    assert "Sinh viên Dung" not in html and "Cán bộ đã nộp" not in html
    exported = client.get(f"/dashboard/export/missing-pledge.csv?unit=T&year={YEAR}")
    assert "Cán bộ chưa nộp" in exported.get_data(as_text=True)
    assert "Sinh viên Dung" not in exported.get_data(as_text=True)
    summary = client.get(f"/dashboard/export/summary.csv?unit=T&year={YEAR}")
    total_row = summary.get_data(as_text=True).lstrip("\ufeff").splitlines()[1].split(",")
    assert total_row[0] == "Tỉnh T" and total_row[-1] == "3"  # people to file
    # The same rule in the filing share: 1 of the 3 cadres, the student not counted.
    with app.app_context():
        total = dashboard(unit_by_code("T"), course=None, year=YEAR).total
    assert (total.people, total.planned, total.filed) == (4, 3, 1)


def test_chart_is_labelled_readable_and_coloured_like_course_bars(app):
    _demo_like(app)
    client = app.test_client()
    login(client, "tuyengiao", PASSWORD)
    html = client.get(f"/dashboard/?unit=T&year={YEAR}").get_data(as_text=True)
    chart = html[html.index("<svg"):html.index("</figure>")]
    assert "<title" in chart and "Cao đẳng" in chart
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', chart)]
    assert sizes and min(sizes) >= 12
    # No viewBox: the SVG is not scaled, so 12 px stays 12 px on a 360 px phone.
    assert "viewBox" not in chart
    for series in ("enrolled", "completed", "filed", "acknowledged"):
        assert f'class="bar {series}"' in chart
    # The table of the same figures (screen readers, no SVG) says what the bars say.
    table = html[html.index("<table"):html.index("</table>")]
    assert "Cao đẳng" in table
    css = client.get("/static/elearn.css").get_data(as_text=True)
    assert ".progress progress" in css and "accent-color: var(--completed)" in css
    assert re.search(r"\.bar\.completed\s*\{\s*fill:\s*var\(--completed\)", css)


def test_on_the_demo_not_yet_filed_lists_exactly_the_party_members_and_cadres(app):
    """Issue #14 item 5, on the demo: the list of people who have not filed names the
    province's cadres a plan applies to — never the admin, the inspector, the lecturer
    (staff accounts) nor the college student."""
    from elearn.models.pledges import FILED_OR_LATER
    from elearn.services.demo import DEMO_PASSWORD, DEMO_PEOPLE, load_demo

    with app.app_context():
        load_demo()
        year = db.session.scalar(select(StudyPlan.year).order_by(StudyPlan.id))
    client = app.test_client()
    login(client, "tuyengiao", DEMO_PASSWORD)
    html = client.get(f"/dashboard/missing?unit=T-DEMO&what=pledge&year={year}").get_data(
        as_text=True)
    exported = client.get(f"/dashboard/export/missing-pledge.csv?unit=T-DEMO&year={year}"
                          ).get_data(as_text=True)
    with app.app_context():
        filed = set(db.session.scalars(select(User.username).join(
            Pledge, Pledge.user_id == User.id).where(Pledge.year == year,
                                                     Pledge.status.in_(FILED_OR_LATER))))
        expected = {u.full_name for u in db.session.scalars(select(User))
                    if u.is_party_member and u.username not in filed}
        everyone = {u.full_name: u.username for u in db.session.scalars(select(User))}
    assert expected  # the demo has cadres still to file
    for name, username in everyone.items():
        assert (name in html) == (name in expected), (username, name in html)
        assert (name in exported) == (name in expected), (username, name in exported)
    for username in ("admin", "kiemtra", "giangvien", "sinhvien.dung"):
        assert username in {u for u, *_ in DEMO_PEOPLE}
        name = next(n for n, u in everyone.items() if u == username)
        assert name not in html
