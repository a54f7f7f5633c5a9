"""The dashboard's figures are rendered once per computation of the board and language, then
reused (views/fragments.py): what is reused must be exactly what a fresh rendering shows,
in the reader's language, with the reader's own trail, and never older than the figures."""
from __future__ import annotations

import re

import pytest

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Pledge, Role, StudyPlan
from elearn.models.pledge_review import Breakthrough
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import create_unit, unit_by_code
from elearn.testing import csrf_token, login

PASSWORD = "mat-khau-dai"
YEAR = local_today().year
FIGURES = re.compile(r'<dl class="facts">.*</ul>', re.S)


@pytest.fixture
def cached(make_app):
    """Province P (districts A with 2 people, B with 1), a province and a district officer;
    the dashboard cache on, as in production."""
    app = make_app(DASHBOARD_CACHE_SECONDS=60)
    with app.app_context():
        p = create_unit("P", "Tỉnh", "province")
        a = create_unit("A", "Huyện A", "district", p)
        b = create_unit("B", "Huyện B", "district", p)
        for username, unit in (("a1", a), ("a2", a), ("b1", b)):
            create_user(username, f"Người {username}", PASSWORD, unit)
        grant_role(create_user("officer", "Cán bộ", PASSWORD, p), Role.OFFICER, p)
        grant_role(create_user("officer.a", "Cán bộ A", PASSWORD, a), Role.OFFICER, a)
        db.session.commit()
    return app


def _signed_in(app, username):
    client = app.test_client()
    login(client, username, PASSWORD)
    return client


def _figures(response) -> str:
    assert response.status_code == 200
    return FIGURES.search(response.get_data(as_text=True)).group(0)


def test_reused_figures_are_what_a_fresh_rendering_shows_until_the_board_is_recomputed(
        cached, clock):
    officer = _signed_in(cached, "officer")
    first = _figures(officer.get("/dashboard/?unit=P"))
    assert "Huyện A" in first and "/dashboard/?unit=A" in first
    assert first == _figures(officer.get("/dashboard/?unit=P"))
    with cached.app_context():
        create_user("a3", "Người a3", PASSWORD, unit_by_code("A"))
        db.session.commit()
    # The figures are at most DASHBOARD_CACHE_SECONDS old, and so is their markup.
    assert _figures(officer.get("/dashboard/?unit=P")) == first
    clock.advance(61)
    fresh = _figures(officer.get("/dashboard/?unit=P"))
    assert fresh != first
    assert re.search(r"<dt>Người dùng</dt><dd>6</dd>", fresh)  # 3 + a3 + the two officers


def test_each_reader_gets_their_language_and_their_own_trail(cached):
    officer, local = _signed_in(cached, "officer"), _signed_in(cached, "officer.a")
    vietnamese = officer.get("/dashboard/?unit=A").get_data(as_text=True)
    assert "Tỷ lệ hoàn thành và nộp bản đăng ký theo đơn vị" in vietnamese
    assert 'href="/dashboard/?unit=P' in vietnamese  # the province officer may go up
    local.post("/language", data={"csrf_token": csrf_token(local, "/profile/"),
                                  "language": "en"})
    english = local.get("/dashboard/?unit=A").get_data(as_text=True)
    assert "Completion and filing per unit" in english and "Tỷ lệ" not in english
    assert "unit=P" not in english  # the district officer's trail stops at their district
    assert "Tỷ lệ hoàn thành" in officer.get("/dashboard/?unit=A").get_data(as_text=True)


def test_links_follow_the_prefix_the_site_is_served_under(cached):
    officer = _signed_in(cached, "officer")
    assert 'href="/dashboard/?unit=A' in _figures(officer.get("/dashboard/?unit=P"))
    prefixed = _figures(officer.get("/dashboard/?unit=P", base_url="http://localhost/hoc/"))
    assert 'href="/hoc/dashboard/?unit=A' in prefixed
    assert 'href="/dashboard/' not in prefixed


def test_the_breakthrough_line_shows_its_figures(cached):
    with cached.app_context():
        p = unit_by_code("P")
        plan = StudyPlan(year=YEAR, unit=p, title="KH", audience="all", courses="[]",
                         deadline=local_today(), template=DEFAULT_TEMPLATE)
        db.session.add_all([plan, Breakthrough(unit_id=p.id, year=YEAR, title="Đột phá")])
        for username, draft in (("a1", '{"breakthrough": true}'), ("b1", "{}")):
            db.session.add(Pledge(user=find_user(username), plan=plan, year=YEAR,
                                  status="filed", draft=draft))
        db.session.commit()
    page = _signed_in(cached, "officer").get("/dashboard/?unit=P").get_data(as_text=True)
    assert re.search(r"<dt>Gắn với nội dung đột phá</dt><dd>1 / 2 \(50\s?%\)</dd>", page)


def test_with_the_cache_out_of_reach_the_page_is_rendered_not_an_error(make_app):
    # Nothing listens on this port: the board and its markup are computed on every request.
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", DASHBOARD_CACHE_SECONDS=60)
    with app.app_context():
        p = create_unit("P", "Tỉnh", "province")
        create_user("a1", "Người a1", PASSWORD, create_unit("A", "Huyện A", "district", p))
        grant_role(create_user("officer", "Cán bộ", PASSWORD, p), Role.OFFICER, p)
        db.session.commit()
    figures = _figures(_signed_in(app, "officer").get("/dashboard/?unit=P"))
    assert "Huyện A" in figures and re.search(r"<dt>Người dùng</dt><dd>2</dd>", figures)


def test_a_second_view_reads_no_figures_from_the_database(cached):
    """Once the board is cached, a view costs the unit's look-up, not the counters nor the
    breakthrough content (on PostgreSQL each statement is a round trip)."""
    from sqlalchemy import event

    officer = _signed_in(cached, "officer")
    officer.get("/dashboard/?unit=P")
    statements: list[str] = []
    with cached.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert "Huyện A" in _figures(officer.get("/dashboard/?unit=P"))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any("FROM units" in s for s in statements)  # the listener does hear this request
    assert not [s for s in statements if "unit_counters" in s or "breakthroughs" in s]
