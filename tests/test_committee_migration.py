"""The committees migration carries an existing database: from the previous head, reviewer
grants become committee seats (earliest secretary, others deputies), filed pledges keep their
routing and can still be answered, and nothing else is lost — on SQLite and PostgreSQL."""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from elearn.extensions import db
from elearn.models import CommitteeSeat, Pledge, RoleGrant
from elearn.services import committees

PREVIOUS_HEAD = "0006"


def test_reviewer_grants_become_seats_and_pledges_survive(app):
    with app.app_context():
        downgrade(revision=PREVIOUS_HEAD)
        rows = [
            "INSERT INTO units (id, code, name, level, path, created_at) VALUES "
            "(1, 'X', 'Xã', 'grassroots', '/1/', '2026-01-01'), "
            "(2, 'C', 'Chi bộ', 'cell', '/1/2/', '2026-01-01')",
            "UPDATE units SET parent_id = 1 WHERE id = 2",
            "INSERT INTO users (id, username, full_name, password_hash, unit_id, position, "
            "audience, is_party_member, is_leader, must_change_password, active, created_at) "
            "VALUES (1, 'bithu', 'Bí thư xã', '-', 1, '', 'cadre', TRUE, TRUE, FALSE, TRUE, "
            "'2026-01-01'), (2, 'phobithu', 'Phó bí thư xã', '-', 1, '', 'cadre', TRUE, FALSE, "
            "FALSE, TRUE, '2026-01-01'), (3, 'btcb', 'Bí thư chi bộ', '-', 2, '', 'cadre', TRUE, "
            "FALSE, FALSE, TRUE, '2026-01-01'), (4, 'dv', 'Đảng viên', '-', 2, '', 'cadre', "
            "TRUE, FALSE, FALSE, TRUE, '2026-01-01')",
            "INSERT INTO role_grants (id, user_id, unit_id, role, granted_at) VALUES "
            "(1, 1, 1, 'reviewer', '2026-01-01'), (2, 2, 1, 'reviewer', '2026-01-02'), "
            "(3, 3, 2, 'reviewer', '2026-01-01'), (4, 4, 2, 'learner', '2026-01-01')",
            "INSERT INTO study_plans (id, year, unit_id, title, audience, courses, deadline, "
            "superiors_first, template, created_at) VALUES (1, 2026, 1, 'KH', 'cadre', '[]', "
            "'2026-12-31', TRUE, 'title: x', '2026-01-01')",
            "INSERT INTO pledges (id, user_id, plan_id, year, status, draft, review_unit_id, "
            "filed_at, self_assessment, rating_comment, is_published) VALUES "
            "(1, 4, 1, 2026, 'filed', '{}', 2, '2026-03-01', '{}', '', FALSE)",
            "INSERT INTO pledge_versions (id, pledge_id, number, content, filed_at, comment) "
            "VALUES (1, 1, 1, '{\"ct05\": [{\"what\": \"Gặp dân\", \"by_when\": \"Quý\", "
            "\"how\": \"Sổ\"}]}', '2026-03-01', '')",
        ]
        with db.engine.begin() as connection:
            for statement in rows:
                connection.execute(text(statement))
        db.session.remove()
        upgrade()

        seats = {(s.unit_id, s.user.username, s.position)
                 for s in db.session.scalars(select(CommitteeSeat))}
        assert seats == {(1, "bithu", "secretary"), (1, "phobithu", "deputy_secretary"),
                         (2, "btcb", "secretary")}
        assert db.session.scalars(select(RoleGrant.role)).all() == ["learner"]
        pledge = db.session.get(Pledge, 1)
        assert pledge.status == "filed" and pledge.review_unit_id == 2
        assert pledge.versions[0].manifestations == "[]" and "Gặp dân" in pledge.versions[0].content
        # The cell secretary answers it, as before the migration; the member still cannot.
        assert [u.username for u in committees.acting_reviewers(pledge)] == ["btcb"]
        # The commune secretary and deputy review each other, as before.
        bithu = committees.route_for(db.session.get(pledge.user.__class__, 1))
        assert bithu.unit.code == "X" and [u.username for u in bithu.reviewers] == ["phobithu"]
