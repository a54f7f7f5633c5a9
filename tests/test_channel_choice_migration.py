"""Migration 0029 keeps what people chose: from the previous head, "by e-mail" becomes e-mail
for every kind, "on this site" e-mail for none; and it goes back down — on SQLite and
PostgreSQL."""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from elearn.extensions import db
from elearn.models import NotificationPreference

PREVIOUS_HEAD = "0023"


def test_the_single_channel_becomes_a_choice_per_kind_and_back(app):
    with app.app_context():
        downgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO units (id, code, name, level, path, created_at) VALUES "
                "(1, 'C', 'Chi bộ', 'cell', '/1/', '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO users (id, username, full_name, password_hash, unit_id, position, "
                "audience, is_party_member, is_leader, must_change_password, active, "
                "created_at) VALUES (1, 'mot', 'Một', '-', 1, '', 'cadre', TRUE, FALSE, FALSE, "
                "TRUE, '2026-01-01'), (2, 'hai', 'Hai', '-', 1, '', 'cadre', TRUE, FALSE, "
                "FALSE, TRUE, '2026-01-01')"))
            connection.execute(text(
                "INSERT INTO notification_preferences (user_id, kinds_off, channel, language, "
                "quiet_start, quiet_end) VALUES (1, '[]', 'email', '', '', ''), "
                "(2, '[\"digest\"]', 'in_app', 'en', '', '')"))
        db.session.remove()
        upgrade()
        by_email = db.session.get(NotificationPreference, 1)
        on_site = db.session.get(NotificationPreference, 2)
        assert by_email.channels["pledge.returned"] == {"email": True}
        assert all(choice == {"email": True} for choice in by_email.channels.values())
        assert all(choice == {"email": False} for choice in on_site.channels.values())
        assert on_site.kinds_off == ["digest"] and on_site.language == "en"
        db.session.remove()
        downgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as connection:
            back = dict(connection.execute(text(
                "SELECT user_id, channel FROM notification_preferences")).all())
        assert back == {1: "email", 2: "in_app"}
        db.session.remove()
        upgrade()
