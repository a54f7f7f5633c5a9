"""Issue #14 item 8, unit levels: Vietnamese screens name a unit's level ("Tỉnh", "Chi bộ"),
never the stored value ("province", "district_political_centre") — the admin's unit list and
its forms, and the person pages; on the demo, SQLite and PostgreSQL."""
from __future__ import annotations

import re
from html import unescape

import pytest

from elearn.services.demo import DEMO_PASSWORD, DEMO_UNITS
from elearn.testing import login

LEVELS = sorted({level for _code, _name, level, _parent in DEMO_UNITS})


def _visible(html: str) -> str:
    """The text a reader sees: no tags, no attribute values (option values stay raw)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def admin(app):
    assert app.test_cli_runner().invoke(args=["elearn", "demo", "load"]).exit_code == 0
    client = app.test_client()
    login(client, "admin", DEMO_PASSWORD)
    return client


def test_unit_levels_are_named_in_vietnamese_on_the_admin_pages(admin):
    assert "district_political_centre" in LEVELS and "province" in LEVELS
    page = admin.get("/admin/units/")
    assert page.status_code == 200
    text = _visible(page.get_data(as_text=True))
    assert "Tỉnh" in text and "Chi bộ" in text
    shown = [level for level in LEVELS if re.search(rf"\b{level}\b", text)]
    assert shown == [], shown
