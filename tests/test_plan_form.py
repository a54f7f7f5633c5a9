"""Issue #14 item 12: the study plan's courses are ticked in a list of checkboxes named by
their titles (in the reader's language), not picked in a multi-select list box."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import StudyPlan
from elearn.services.demo import DEMO_PASSWORD
from elearn.testing import csrf_token, login

COURSES = ["cd-2016-toan-khoa", "cd-2017-suy-thoai"]


def test_plan_courses_are_checkboxes_and_every_ticked_course_is_saved(app):
    assert app.test_cli_runner().invoke(args=["elearn", "demo", "load"]).exit_code == 0
    client = app.test_client()
    login(client, "tuyengiao", DEMO_PASSWORD)
    html = client.get("/plans/").get_data(as_text=True)
    assert "<select multiple" not in html and 'name="courses"' in html
    boxes = re.findall(r'<input[^>]*name="courses"[^>]*>', html)
    assert len(boxes) == 3 and all('type="checkbox"' in box for box in boxes)
    assert "Chuyên đề toàn khóa 2016–2021" in html  # the title, as the catalogue shows it
    response = client.post("/plans/", data={
        "csrf_token": csrf_token(client, "/plans/"), "year": 2031, "unit_code": "T-DEMO",
        "title": "Kế hoạch 2031", "audience": "cadre", "courses": COURSES,
        "deadline": "2031-12-31", "template": DEFAULT_TEMPLATE})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        plan = db.session.scalar(select(StudyPlan).where(StudyPlan.year == 2031))
        assert sorted(json.loads(plan.courses)) == COURSES
