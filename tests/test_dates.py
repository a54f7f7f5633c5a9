"""Dates as people write them: 31/12/2026 on Vietnamese pages and in flash messages, a
readable English date on English pages, the day always taken in Vietnam."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from flask import render_template_string

from elearn.dates import format_day, format_moment
from elearn.extensions import db
from elearn.models import Role, StudyPlan
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token, login

NEW_YEARS_EVE = date(2026, 12, 31)
# 18:30 UTC on 31 December is 01:30 on 1 January in Vietnam.
LATE_EVENING_UTC = datetime(2026, 12, 31, 18, 30)


@pytest.mark.parametrize("language, day, moment", [
    ("vi", "31/12/2026", "01:30 01/01/2027"),
    ("en", "Dec 31, 2026", "Jan 1, 2027, 1:30:00\u202fAM"),  # CLDR: narrow space
])
def test_days_and_moments_in_the_readers_language(app, language, day, moment):
    with app.test_request_context("/", headers={"Cookie": f"lang={language}"}):
        assert format_day(NEW_YEARS_EVE) == day
        assert render_template_string("{{ d | dateformat }}", d=NEW_YEARS_EVE) == day
        assert format_moment(LATE_EVENING_UTC) == moment
        assert render_template_string("{{ m | datetimeformat }}", m=LATE_EVENING_UTC) == moment
        # A stored UTC moment is shown on its Vietnamese day.
        assert format_day(LATE_EVENING_UTC) == {"vi": "01/01/2027", "en": "Jan 1, 2027"}[language]


def test_explicit_formats_are_left_to_babel(app):
    with app.test_request_context("/", headers={"Cookie": "lang=vi"}):
        assert format_day(NEW_YEARS_EVE, "long") == "31 tháng 12, 2026"
        assert render_template_string("{{ m | datetimeformat('short') }}",
                                      m=LATE_EVENING_UTC) == "01:30 01/01/2027"
        assert format_day(None) == "" and format_moment(None) == ""


def test_extension_flash_and_page_show_the_vietnamese_date(app):
    with app.app_context():
        province = create_unit("P", "Tỉnh ủy", "province")
        create_unit("C", "Chi bộ ấp Phú Hòa", "cell", province)
        officer = create_user("tgiao", "Lê Thu Hà", "mat-khau-dai", province)
        grant_role(officer, Role.OFFICER, province)
        plan = StudyPlan(year=2026, unit=province, title="Kế hoạch", audience="cadre",
                         courses=json.dumps([]), deadline=date(2026, 11, 30),
                         superiors_first=False, template="")
        db.session.add(plan)
        db.session.commit()
        plan_id = plan.id
    client = app.test_client()
    assert login(client, "tgiao", "mat-khau-dai").status_code == 302
    response = client.post(f"/plans/{plan_id}/extensions", follow_redirects=True, data={
        "csrf_token": csrf_token(client, f"/plans/{plan_id}"), "unit_code": "C",
        "deadline": "2027-01-31"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "nay là 31/01/2027" in page  # the flash
    assert "Chi bộ ấp Phú Hòa: 31/01/2027" in page  # the list of extensions
    assert "2027-01-31" not in page.replace('value="2027-01-31"', "")
    assert "thg" not in page
