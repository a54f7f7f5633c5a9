"""The benchmark plugin's seed (`flask elearn bench seed`, bench/elearn_bench): a small
province, checked for what the real services would have written: counts, a consistent tree,
signed and verifiable completions, an intact audit chain, accounts that can sign in. And the
product itself has no such command."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.clock import local_today
from elearn.extensions import db
from elearn.models import (
    Completion, LessonView, Pledge, PledgeStatus, PledgeVersion, QuizAnswer, QuizAttempt,
    Revocation, Role, RoleGrant, StudyPlan, Unit, User,
)
from elearn.registry import current_registry
from elearn.services import audit, completions
from elearn.services.orgs import subtree_of
from elearn.testing import login
from elearn_bench import seeding

TINY = seeding.Sizes(units=20, people=200, completions=300, attempts=100, pledges=50)
TINY_ARGS = ["--units", "20", "--people", "200", "--completions", "300", "--attempts", "100",
             "--pledges", "50"]


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


@pytest.fixture
def bench_app(make_app):
    """A site that loads the benchmark plugin, as bench/run.py's seeding step does."""
    return make_app(PLUGINS=["elearn_bench"])


def test_seed_builds_a_consistent_province(app):
    with app.app_context():
        report = seeding.seed_province(TINY)
        root = db.session.scalar(select(Unit).where(Unit.code == seeding.BENCH_ROOT_CODE))
        assert root.path == f"/{root.id}/" and root.parent_id is None

        # Counts: exactly what was asked for (+ the officer, verifier and inspector).
        assert count(Unit, subtree_of(root.path)) == 20
        assert count(User) == 200 + 3
        assert count(Completion) == 300
        assert count(QuizAttempt) == 100
        assert count(QuizAttempt, QuizAttempt.state != "finished") == 0
        assert count(Pledge) == 50
        assert report.counts["completions"] == 300 and report.counts["people"] == 200
        draw = {c.slug: c.quiz.draw for c in current_registry().courses.values() if c.quiz}
        expected_answers = sum(draw[slug] for slug in db.session.scalars(
            select(QuizAttempt.course_slug)))
        assert count(QuizAnswer) == expected_answers
        assert count(LessonView) > 0
        assert count(RoleGrant, RoleGrant.role == Role.LEARNER) == 200 + 1  # + the officer
        for username, role in ((seeding.OFFICER, Role.OFFICER), (seeding.VERIFIER, Role.VERIFIER)):
            user_id = db.session.scalar(select(User.id).where(User.username == username))
            assert count(RoleGrant, RoleGrant.user_id == user_id, RoleGrant.role == role,
                         RoleGrant.unit_id == root.id) == 1

        # The tree: every path is the parent's path plus the unit's own id, and a subtree
        # query finds exactly the units whose parent chain reaches the subtree's top.
        units = {u.id: u for u in db.session.scalars(select(Unit))}
        for unit in units.values():
            parent = units.get(unit.parent_id)
            assert unit.path == f"{parent.path if parent else '/'}{unit.id}/"
        levels = {u.level for u in units.values()}
        assert levels == {"province", "district", "grassroots", "cell"}
        for district in (u for u in units.values() if u.level == "district"):
            below = set(db.session.scalars(select(Unit.id).where(subtree_of(district.path))))
            chain_members = set()
            for unit in units.values():
                walk = unit
                while walk is not None and walk.id != district.id:
                    walk = units.get(walk.parent_id)
                if walk is not None:
                    chain_members.add(unit.id)
            assert below == chain_members
        assert all(u.unit_id in units for u in db.session.scalars(select(User)))

        # Completions: signed, verifiable, one live record per person and course.
        live = db.session.scalars(select(Completion).outerjoin(Revocation)
                                  .where(Revocation.id.is_(None)).limit(5)).all()
        assert live
        for completion in live:
            assert completion.generation == 0 or count(
                Completion, Completion.user_id == completion.user_id,
                Completion.course_slug == completion.course_slug) > 1
            assert completions.verify(completion.code).status == completions.Status.VALID
        assert db.session.scalar(
            select(func.count()).select_from(
                select(Completion.user_id, Completion.course_slug).outerjoin(Revocation)
                .where(Revocation.id.is_(None))
                .group_by(Completion.user_id, Completion.course_slug)
                .having(func.count() > 1).subquery())) == 0
        online = db.session.scalars(select(Completion).where(Completion.method == "online")
                                    .limit(20)).all()
        for completion in online:  # earned online: a passed attempt backs it
            assert count(QuizAttempt, QuizAttempt.user_id == completion.user_id,
                         QuizAttempt.course_slug == completion.course_slug,
                         QuizAttempt.passed.is_(True)) == 1
        assert audit.verify_chain().ok
        assert count(audit.AuditEntry, audit.AuditEntry.action == "completion.issued") == 300

        # Pledges hang off this year's plan; filed ones have a version.
        assert count(StudyPlan) == 1
        assert count(Pledge, Pledge.status != PledgeStatus.DRAFT) == count(PledgeVersion)

        # A second seed refuses: the province exists.
        with pytest.raises(seeding.SeedError):
            seeding.seed_province(TINY)

    # Accounts sign in over HTTP with the shared bench password.
    client = app.test_client()
    response = login(client, "bench.u00001", seeding.BENCH_PASSWORD)
    assert response.status_code == 302


def test_seed_command_refuses_an_existing_province(bench_app):
    app = bench_app
    runner = app.test_cli_runner()
    first = runner.invoke(args=["elearn", "bench", "seed", *TINY_ARGS])
    assert first.exit_code == 0, first.output
    assert "completions 300" in first.output
    again = runner.invoke(args=["elearn", "bench", "seed", *TINY_ARGS])
    assert again.exit_code == 1
    assert "already exists" in again.output and "--force" in again.output
    with app.app_context():
        assert count(Unit, Unit.code == seeding.BENCH_ROOT_CODE) == 1
        assert count(User) == 203


def test_the_product_has_no_bench_command(app, bench_app):
    """`--force` drops every table: only a site that loads the bench plugin may offer it."""
    product = app.test_cli_runner().invoke(args=["elearn", "--help"])
    assert product.exit_code == 0 and "audit" in product.output
    assert "bench" not in product.output
    assert app.test_cli_runner().invoke(args=["elearn", "bench", "seed"]).exit_code != 0
    with_plugin = bench_app.test_cli_runner().invoke(args=["elearn", "--help"])
    assert "bench" in with_plugin.output
    # A plugin's command answers bad arguments like the core's: one translated line.
    bad = bench_app.test_cli_runner().invoke(args=["elearn", "bench", "seed", "--units", "0"])
    assert bad.exit_code == 2 and len(bad.stderr.splitlines()) == 1, bad.output
    assert bad.stderr.startswith("Lỗi: giá trị không hợp lệ cho --units")


def test_copy_seed_counts_what_the_dashboard_shows(bench_app):
    """The national-size seed (COPY, PostgreSQL only): the counters are rebuilt after it and
    the root dashboard shows exactly what was written; SQLite is refused in one line."""
    from datetime import date

    from elearn.models.pledges import FILED_OR_LATER
    from elearn.services import counters
    from elearn.services.reports import dashboard

    runner = bench_app.test_cli_runner()
    result = runner.invoke(args=["elearn", "bench", "seed", "--copy", "--units", "30",
                                 "--people", "300", "--completions", "1100", "--pledges", "60"])
    with bench_app.app_context():
        if db.engine.dialect.name != "postgresql":
            assert result.exit_code == 1 and "needs PostgreSQL" in result.output
            return
        assert result.exit_code == 0, result.output
        assert counters.check() == []
        root = db.session.scalar(select(Unit).where(Unit.code == seeding.BENCH_ROOT_CODE))
        total = dashboard(root, course=None, year=local_today().year).total
        assert total.people == count(User) == 303
        # Person × course pairs first; past them, re-issues that revoke an earlier record.
        pairs = 300 * len(current_registry().courses)
        assert count(Completion) == 1100 and count(Revocation) == max(0, 1100 - pairs)
        assert total.completed == total.enrolled == min(300, 1100)
        assert total.filed == count(Pledge, Pledge.status.in_(FILED_OR_LATER)) > 0
