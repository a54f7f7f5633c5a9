"""Issue #14 item 8: staff read a course's title, never its slug, in the training centre's
list of completions and in the completions export (demo, both databases)."""
from __future__ import annotations

import pytest

from elearn.extensions import db
from elearn.registry import current_registry
from elearn.services import completions
from elearn.services.accounts import find_user
from elearn.services.demo import DEMO_PASSWORD
from elearn.testing import login

SLUG = "cd-2016-toan-khoa"
TITLE = "Chuyên đề toàn khóa 2016–2021"


@pytest.fixture
def demo(app):
    assert app.test_cli_runner().invoke(args=["elearn", "demo", "load"]).exit_code == 0
    with app.app_context():
        completions.create(find_user("dangvien.an"), current_registry().course(SLUG),
                           method="in_person", score=None)
        db.session.commit()
    return app


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username, DEMO_PASSWORD).status_code == 302
    return client


def test_centre_list_names_the_course_by_its_title(demo):
    page = signed_in(demo, "giangvien").get("/centre/completions")
    html = page.get_data(as_text=True)
    rows = html[html.index("<tbody"):html.index("</tbody>")]
    assert page.status_code == 200 and "Trần Thị Ân" in rows
    assert TITLE in rows and SLUG not in rows


def test_completions_export_names_the_course_by_its_title(demo):
    export = signed_in(demo, "tuyengiao").get("/dashboard/export/completions.csv?unit=T-DEMO")
    text = export.get_data(as_text=True)
    assert export.status_code == 200 and TITLE in text and SLUG not in text
