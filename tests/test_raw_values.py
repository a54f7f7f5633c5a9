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


def test_a_units_level_is_picked_by_its_name_and_kept_when_unknown(app, admin):
    page = admin.get("/admin/units/").get_data(as_text=True)
    picker = page[page.index('<select id="level"'):]
    picker = picker[:picker.index("</select>")]
    assert '<option value="cell">Chi bộ</option>' in picker
    from elearn.extensions import db
    from elearn.models import Unit
    from sqlalchemy import select

    with app.app_context():  # a level an import brought, which the project does not name
        unit = db.session.scalar(select(Unit).where(Unit.code == "X-AP-CB2"))
        unit.level, unit_id = "to_dan_pho", unit.id
        db.session.commit()
    edit = admin.get(f"/admin/units/{unit_id}").get_data(as_text=True)
    assert '<option selected value="to_dan_pho">to_dan_pho</option>' in edit
