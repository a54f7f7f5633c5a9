"""Issue #14, staff pages: inspections reachable from the menu for the roles that read them, and
unit levels shown translated (never the raw "cell") — on the demo, through the test client, on
both databases."""
from __future__ import annotations

from datetime import date

import pytest

from elearn.extensions import db
from elearn.models import Inspection
from elearn.services.demo import DEMO_PASSWORD
from elearn.services.orgs import unit_by_code
from elearn.testing import login

MENU_LINK = 'href="/inspections/"'


@pytest.fixture
def demo(app):
    assert app.test_cli_runner().invoke(args=["elearn", "demo", "load"]).exit_code == 0
    with app.app_context():
        db.session.add(Inspection(committee_unit=unit_by_code("X-AP"),
                                  inspected_unit=unit_by_code("X-AP-CB1"),
                                  held_on=date.today(), scope="Việc thực hiện Chỉ thị 05"))
        db.session.commit()
    return app


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username, DEMO_PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("username", ["kiemtra", "tuyengiao", "bithu.anphu"])
def test_inspections_are_in_the_menu_of_those_who_read_them(demo, username):
    home = signed_in(demo, username).get("/").get_data(as_text=True)
    assert MENU_LINK in home and "Kiểm tra, giám sát" in home


@pytest.mark.parametrize("username", ["dangvien.an", "sinhvien.dung", "giangvien"])
def test_inspections_are_not_offered_to_those_who_cannot_open_them(demo, username):
    client = signed_in(demo, username)
    assert MENU_LINK not in client.get("/").get_data(as_text=True)
    assert client.get("/inspections/").status_code == 403


def test_the_summary_names_the_level_in_vietnamese(demo):
    page = signed_in(demo, "bithu.anphu").get(f"/inspections/?year={date.today().year}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<td>Chi bộ</td>" in html and "<td>cell</td>" not in html
