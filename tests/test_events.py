"""Events after commit (the `track_event` hook): each state change the issue lists is told to
every listening plugin exactly once, after its transaction commits, never on rollback, once
under eight concurrent duplicates, and a listener that raises breaks nothing."""
from __future__ import annotations

import importlib
import json
import sys
import textwrap
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.events import emit
from elearn.extensions import db
from elearn.models import Pledge, PluginFailureEntry, Position, StudyPlan
from elearn.registry import current_registry
from elearn.services import completions, pledges, progress
from elearn.services.accounts import create_user, find_user
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import race, run_queued_jobs, serve, signed_in_tabs

from kit import CENTRE_COURSE, PASSWORD, build_centre, csrf, pass_time

YEAR = local_today().year
LISTENER = """
    from elearn.api import hookimpl
    HEARD = []
    @hookimpl
    def track_event(event):
        HEARD.append(event)
    """
FILING = {"file": "y", "accepted": "y", "ct05-0-what": "Gặp gỡ 5 hộ dân mỗi tháng",
          "ct05-0-by_when": "Hằng tháng", "ct05-0-how": "Sổ ghi chép"}


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, source: str):
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        sys.modules.pop(name, None)  # each database's run hears only its own events
        return importlib.import_module(name)

    return write


@pytest.fixture
def heard(plugin_module):
    return plugin_module("event_listener", LISTENER)


def cell_with_plan(app, *, superiors_first: bool = False) -> None:
    with app.app_context():
        cell = create_unit("C", "Chi bộ", "cell")
        set_seat(cell, create_user("btcb", "Bí thư chi bộ", PASSWORD, cell),
                 Position.SECRETARY, None)
        set_seat(cell, create_user("pbtcb", "Phó bí thư", PASSWORD, cell), Position.DEPUTY,
                 None)
        for username in ("dv1", "dv2"):
            create_user(username, f"Đảng viên {username}", PASSWORD, cell)
        db.session.add(StudyPlan(year=YEAR, unit=cell, title="KH", audience="all",
                                 courses="[]", deadline=local_today() + timedelta(days=9),
                                 superiors_first=superiors_first, template=DEFAULT_TEMPLATE))
        db.session.commit()


def file_pledge(app, username: str):
    client = app.test_client()
    client.post("/login", data={"csrf_token": csrf(client, "/login"), "username": username,
                                "password": PASSWORD})
    page = f"/pledges/{YEAR}"
    return client.post(page, data={**FILING, "csrf_token": csrf(client, page)})


def names(events) -> list[tuple[str, int | None]]:
    return [(event.name, event.person_id) for event in events]


def test_hook_track_event_hears_each_change_once_after_its_commit(make_app, heard):
    app = make_app(PLUGINS=["event_listener"])
    cell_with_plan(app)
    assert file_pledge(app, "dv1").status_code == 302
    with app.app_context():
        dv1 = find_user("dv1")
        filed = [e for e in heard.HEARD if e.name == "pledge.filed"]
        assert [e.person_id for e in filed] == [dv1.id]
        assert filed[0].key.startswith("pledge.filed:pledge:") and filed[0].data["version"] == 1
        json.dumps(dict(filed[0].data))  # listeners may store or send it as it is
    # Filing again is refused: no state change, nothing heard.
    before = len(heard.HEARD)
    assert file_pledge(app, "dv1").status_code in (302, 303, 409)
    assert len(heard.HEARD) == before
    with app.app_context():
        pledge = db.session.scalar(select(Pledge).where(Pledge.user_id == dv1.id))
        pledges.return_pledge(pledge, find_user("btcb"), "Nêu rõ cách kiểm tra")
        assert names(heard.HEARD[before:]) == [("pledge.returned", dv1.id)]
        assert heard.HEARD[-1].actor_id == find_user("btcb").id


def test_completion_issued_and_revoked_are_heard_once(make_app, heard):
    app = make_app(PLUGINS=["event_listener"])
    with app.app_context():
        build_centre()
        learner = find_user("hoc.vien")
        course = current_registry().course(CENTRE_COURSE)
        completion, made = completions.issue_once(learner, course, method=completions.ONLINE,
                                                  score=90.0)
        again, made_again = completions.issue_once(learner, course, method=completions.ONLINE,
                                                   score=95.0)
        assert made and not made_again
        completions.revoke_once(completion.id, "Nhầm người", find_user("ttct"))
        completions.revoke_once(completion.id, "Nhầm người", find_user("ttct"))
        assert names(heard.HEARD) == [("completion.issued", learner.id),
                                      ("completion.revoked", learner.id)]
        assert heard.HEARD[0].data["code"] == completion.code


def test_an_event_of_a_rolled_back_change_is_never_heard(make_app, heard):
    app = make_app(PLUGINS=["event_listener"])
    cell_with_plan(app)
    with app.app_context():
        emit("lesson.studied", key="lesson.studied:x", person_id=1)
        db.session.rollback()
        db.session.commit()
        assert heard.HEARD == []
        emit("lesson.studied", key="lesson.studied:y", person_id=1)
        emit("lesson.studied", key="lesson.studied:y", person_id=1)  # same change: one event
        assert heard.HEARD == []  # not before the commit
        db.session.commit()
        assert [e.key for e in heard.HEARD] == ["lesson.studied:y"]
        with pytest.raises(ValueError):
            emit("pledge.eaten", key="k", person_id=1)


def test_a_listener_that_raises_breaks_nothing(make_app, plugin_module, heard):
    plugin_module("broken_listener", """
        from elearn.api import hookimpl
        @hookimpl
        def track_event(event):
            raise RuntimeError("listener down")
        """)
    app = make_app(PLUGINS=["broken_listener", "event_listener"])
    cell_with_plan(app)
    assert file_pledge(app, "dv1").status_code == 302
    assert [e.name for e in heard.HEARD] == ["pledge.filed"]  # the other listener still hears
    with app.app_context():
        assert db.session.scalar(select(Pledge.status).where(
            Pledge.user_id == find_user("dv1").id)) == "filed"
        failure = db.session.scalar(select(PluginFailureEntry).where(
            PluginFailureEntry.plugin == "broken_listener"))
        assert failure.kind == "track_event" and "listener down" in failure.error


def test_you_can_file_now_goes_to_each_person_the_last_superior_frees(make_app, heard):
    app = make_app(PLUGINS=["event_listener"])
    cell_with_plan(app, superiors_first=True)
    assert file_pledge(app, "dv1").status_code == 409  # the secretary has not filed
    assert file_pledge(app, "btcb").status_code == 302
    run_queued_jobs(app)  # who may file now is worked out off the request
    with app.app_context():
        deputy, dv1, dv2 = (find_user(n).id for n in ("pbtcb", "dv1", "dv2"))
    # The secretary frees the deputy; the members still wait for the deputy.
    assert [p for n, p in names(heard.HEARD) if n == "pledge.can_file"] == [deputy]
    assert file_pledge(app, "pbtcb").status_code == 302
    run_queued_jobs(app)
    assert sorted(p for n, p in names(heard.HEARD) if n == "pledge.can_file") == sorted(
        [deputy, dv1, dv2])
    assert file_pledge(app, "dv1").status_code == 302
    run_queued_jobs(app)
    assert len([n for n, _p in names(heard.HEARD) if n == "pledge.can_file"]) == 3


def test_eight_duplicate_filings_make_one_event(make_app, heard, monkeypatch):
    app = make_app(PLUGINS=["event_listener"])
    cell_with_plan(app)
    original = pledges.run_checks
    monkeypatch.setattr(pledges, "run_checks",
                        lambda *a, **k: (time.sleep(0.2), original(*a, **k))[1])
    page = f"/pledges/{YEAR}"
    with serve(app) as base:
        statuses = [s for s, _b in race(signed_in_tabs(base, "dv1", PASSWORD, page, 8),
                                        page, FILING)]
    assert all(status in (302, 303, 409) for status in statuses), statuses
    assert [e.name for e in heard.HEARD] == ["pledge.filed"]


def test_a_lesson_studied_twice_is_heard_once(make_app, heard):
    app = make_app(PLUGINS=["event_listener"])
    with app.app_context():
        build_centre()
        course = current_registry().course(CENTRE_COURSE)
        progress.open_lesson(find_user("hoc.vien"), course, course.lessons[0])
    pass_time(app)
    with app.app_context():
        learner, course = find_user("hoc.vien"), current_registry().course(CENTRE_COURSE)
        assert progress.mark_studied(learner, course, course.lessons[0]).studied
        assert progress.mark_studied(learner, course, course.lessons[0]).studied
        studied = [event for event in heard.HEARD if event.name == "lesson.studied"]
        assert names(studied) == [("lesson.studied", learner.id)]
        assert studied[0].data == {"course": CENTRE_COURSE, "lesson": course.lessons[0].slug}
