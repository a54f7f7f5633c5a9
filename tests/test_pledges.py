"""Pledges through the web client: refused before verified study, superiors first, routed to
the cell secretary, returned and re-filed, acknowledged, assessed and locked; every state
change audited."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from elearn.clock import local_today
from elearn.extensions import db
from elearn.models import AuditEntry, Pledge, Position, Role, StudyPlan
from elearn.registry import current_registry
from elearn.services import completions
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit, unit_by_code
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.testing import csrf_token, login

PASSWORD = "mat-khau-dai"
COURSE = "cd-2016-toan-khoa"
YEAR = local_today().year


@pytest.fixture
def party(app):
    with app.app_context():
        province = create_unit("P", "Tỉnh ủy", "province")
        grassroots = create_unit("G", "Đảng ủy xã An Phú", "grassroots", province)
        cell = create_unit("C", "Chi bộ ấp Phú Hòa", "cell", grassroots)
        people = {
            "ds": ("Lê Văn Đảng", grassroots, [], True),
            "bt": ("Nguyễn Văn Thành", cell, [], True),
            "dv": ("Trần Thị Ân", cell, [(Role.LEARNER, cell)], False),
            "dv2": ("Võ Minh Bình", cell, [(Role.LEARNER, cell)], False),
            "ttct": ("Phạm Quốc Việt", province, [(Role.VERIFIER, province)], False),
            "ktra": ("Hoàng Văn Khải", province, [(Role.INSPECTOR, province)], False),
            "tgiao": ("Lê Thu Hà", province, [(Role.OFFICER, province)], False),
        }
        for username, (name, unit, grants, leader) in people.items():
            user = create_user(username, name, PASSWORD, unit, position="Bí thư" if leader else "")
            user.is_leader = leader
            for role, on in grants:
                grant_role(user, role, on)
        set_seat(grassroots, find_user("ds"), Position.SECRETARY, None)
        set_seat(cell, find_user("bt"), Position.SECRETARY, None)
        plan = StudyPlan(year=YEAR, unit=province, title="Kế hoạch học tập năm nay",
                         audience="cadre", courses=json.dumps([COURSE]),
                         deadline=local_today() + timedelta(days=30),
                         superiors_first=True, template=DEFAULT_TEMPLATE)
        db.session.add(plan)
        # The provincial standing office, which has already filed: the commune secretary's
        # pledge goes to it.
        for username, position in (("btt", Position.SECRETARY), ("pbtt", Position.DEPUTY)):
            leader = create_user(username, f"Lãnh đạo {username}", PASSWORD, province)
            set_seat(province, leader, position, None)
            db.session.add(Pledge(user=leader, plan=plan, year=YEAR, status="acknowledged"))
        course = current_registry().course(COURSE)
        for username in ("ds", "bt"):
            completions.create(find_user(username), course, method="in_person", score=None)
        db.session.commit()
    return app


def client_for(app, username):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def commitments(client, **overrides):
    data = {"csrf_token": csrf_token(client, f"/pledges/{YEAR}")}
    data.update({
        "ct05-0-what": "Mỗi tháng gặp gỡ, lắng nghe ít nhất 5 hộ dân trong ấp",
        "ct05-0-by_when": "Hằng tháng, đến hết năm",
        "ct05-0-how": "Sổ ghi chép, chi bộ kiểm tra cuối quý",
        "nq04-0-what": "Không nhận quà biếu khi giải quyết việc cho dân",
        "nq04-0-by_when": "Cả năm",
        "nq04-0-how": "Nhân dân và chi bộ giám sát",
        "accepted": "y",
    })
    data.update(overrides)
    return data


def file_pledge(client, **overrides):
    return client.post(f"/pledges/{YEAR}", data={**commitments(client, **overrides),
                                                 "file": "y"})


def status_of(app, username):
    with app.app_context():
        return db.session.scalar(select(Pledge.status).join(Pledge.user)
                                 .where(Pledge.user.has(username=username)))


def test_the_whole_pledge_chain(party):
    dv = client_for(party, "dv")
    saved = dv.post(f"/pledges/{YEAR}", data={**commitments(dv), "save": "y"})
    assert saved.status_code == 302 and status_of(party, "dv") == "draft"

    refused = file_pledge(dv)
    assert refused.status_code == 409
    assert "chưa được xác nhận" in refused.get_data(as_text=True)
    assert status_of(party, "dv") == "draft"

    verifier = client_for(party, "ttct")
    recorded = verifier.post("/centre/completions/record", data={
        "csrf_token": csrf_token(verifier, "/centre/completions/record"), "username": "dv",
        "course": COURSE, "completed_on": local_today().isoformat()})
    assert recorded.status_code == 302

    waiting = file_pledge(dv)
    assert waiting.status_code == 409
    page = waiting.get_data(as_text=True)
    assert "Nguyễn Văn Thành" in page and "trên trước" in page.lower()

    assert file_pledge(client_for(party, "ds")).status_code == 302  # grassroots secretary
    bt = client_for(party, "bt")
    assert file_pledge(bt).status_code == 302                       # then the cell secretary
    assert file_pledge(dv).status_code == 302                       # then the member
    with party.app_context():
        pledge = db.session.scalar(select(Pledge).where(Pledge.user.has(username="dv")))
        assert pledge.review_unit.code == "C" and pledge.status == "filed"
        assert db.session.scalar(select(Pledge.review_unit_id).where(
            Pledge.user.has(username="bt"))) == unit_by_code("G").id
        pledge_id = pledge.id

    listing = bt.get(f"/review/?unit=C&year={YEAR}").get_data(as_text=True)
    assert "Trần Thị Ân" in listing and "Võ Minh Bình" in listing  # filed and not started
    token = csrf_token(bt, f"/review/pledges/{pledge_id}")
    bt.post(f"/review/pledges/{pledge_id}/return", data={
        "csrf_token": token, "comment": "Việc thứ hai cần nêu rõ cách kiểm tra."})
    assert status_of(party, "dv") == "returned"
    assert "Việc thứ hai cần nêu rõ" in dv.get(f"/pledges/{YEAR}").get_data(as_text=True)

    revised = file_pledge(dv, **{"nq04-0-how": "Chi bộ đối chiếu phản ánh của dân mỗi quý"})
    assert revised.status_code == 302
    bt.post(f"/review/pledges/{pledge_id}/acknowledge", data={"csrf_token": token})
    assert status_of(party, "dv") == "acknowledged"

    assessment = dv.post(f"/pledges/{YEAR}/assessment", data={
        "csrf_token": csrf_token(dv, f"/pledges/{YEAR}/assessment"),
        "ct05-0-result": "done", "ct05-0-evidence": "Sổ ghi chép 12 tháng",
        "nq04-0-result": "partly", "nq04-0-evidence": "Một lần nhận quà Tết, đã trả lại"})
    assert assessment.status_code == 302 and status_of(party, "dv") == "self_assessed"
    bt.post(f"/review/pledges/{pledge_id}/rate", data={
        "csrf_token": token, "rating": "good", "comment": "Thực hiện tốt"})
    assert status_of(party, "dv") == "assessed"

    locked = dv.post(f"/pledges/{YEAR}", data={**commitments(dv), "save": "y"})
    assert locked.status_code == 409
    with party.app_context():
        pledge = db.session.get(Pledge, pledge_id)
        assert [v.outcome for v in pledge.versions] == ["returned", "acknowledged"]
        assert "Chi bộ đối chiếu" in pledge.versions[1].content
        assert "Chi bộ đối chiếu" not in pledge.versions[0].content  # every version kept
        actions = [e.action for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.subject == f"pledge:{pledge_id}")
            .order_by(AuditEntry.seq))]
        assert actions == ["pledge.filed", "pledge.returned", "pledge.filed",
                           "pledge.acknowledged", "pledge.self_assessed", "pledge.assessed"]


def test_a_revoked_completion_blocks_a_new_filing(party):
    with party.app_context():
        completion = completions.create(find_user("dv2"), current_registry().course(COURSE),
                                        method="online", score=80)
        for username in ("ds", "bt"):
            pledge_user = find_user(username)
            from elearn.services import pledges as pledge_service

            pledge = pledge_service.pledge_for(pledge_user, pledge_service.applicable_plan(
                pledge_user, YEAR))
            pledge.draft = json.dumps({"ct05": [{"what": "x", "by_when": "y", "how": "z"}]})
            pledge.draft_commitment = json.dumps({"accepted": True})
            pledge_service.file(pledge)
        completions.revoke(completion, "Làm bài hộ", find_user("ttct"))
        db.session.commit()
    dv2 = client_for(party, "dv2")
    refused = file_pledge(dv2)
    assert refused.status_code == 409 and "chưa được xác nhận" in refused.get_data(as_text=True)
    assert status_of(party, "dv2") == "draft"


def test_deadline_passes_then_an_officer_extends_it(party):
    with party.app_context():
        plan = db.session.scalar(select(StudyPlan))
        plan.deadline = local_today() - timedelta(days=1)
        plan.superiors_first = False
        completions.create(find_user("dv"), current_registry().course(COURSE),
                           method="online", score=90)
        db.session.commit()
        plan_id = plan.id
    dv = client_for(party, "dv")
    late = file_pledge(dv)
    assert late.status_code == 409 and "Hạn nộp" in late.get_data(as_text=True)
    officer = client_for(party, "tgiao")
    officer.post(f"/plans/{plan_id}/extensions", data={
        "csrf_token": csrf_token(officer, f"/plans/{plan_id}"), "unit_code": "C",
        "deadline": (local_today() + timedelta(days=7)).isoformat()})
    assert file_pledge(dv).status_code == 302


def test_drafts_autosave_and_keep_length_limits(party):
    dv = client_for(party, "dv")
    token = csrf_token(dv, f"/pledges/{YEAR}")
    saved = dv.post(f"/pledges/{YEAR}/autosave", data={
        "csrf_token": token, "ct05-0-what": "Nửa chừng, chưa viết xong"},
        headers={"Accept": "application/json"})
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    page = dv.get(f"/pledges/{YEAR}").get_data(as_text=True)
    assert "Nửa chừng, chưa viết xong" in page  # survives a lost connection / reload
    too_long = dv.post(f"/pledges/{YEAR}/autosave", data={
        "csrf_token": token, "ct05-0-what": "x" * 301}, headers={"Accept": "application/json"})
    assert too_long.status_code == 400 and too_long.get_json()["saved"] is False
    assert "Nửa chừng" in dv.get(f"/pledges/{YEAR}").get_data(as_text=True)  # kept


def test_bundles_leaders_publication_and_inspector_read_only(party):
    with party.app_context():
        for username in ("ds", "bt"):
            user = find_user(username)
            from elearn.services import pledges as pledge_service

            pledge = pledge_service.pledge_for(user, pledge_service.applicable_plan(user, YEAR))
            pledge.draft_commitment = json.dumps({"accepted": True})
            pledge.draft = json.dumps({"ct05": [{"what": "Gương mẫu đi đầu", "by_when": "Cả năm",
                                                 "how": "Chi bộ đánh giá"}]})
            pledge_service.file(pledge)
        db.session.commit()
        bt_pledge = db.session.scalar(select(Pledge).where(Pledge.user.has(username="bt"))).id
    ds = client_for(party, "ds")
    pdf = ds.get(f"/review/export.pdf?unit=G&year={YEAR}")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Nguyễn Văn Thành" in text and "Gương mẫu đi đầu" in text
    xlsx = ds.get(f"/review/export.xlsx?unit=G&year={YEAR}")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert rows[1][0] == "Nguyễn Văn Thành" and "Gương mẫu đi đầu" in rows[1]

    public = party.test_client().get("/public/units/P/pledges").get_data(as_text=True)
    assert "Gương mẫu đi đầu" not in public
    token = csrf_token(ds, f"/review/pledges/{bt_pledge}")
    ds.post(f"/review/pledges/{bt_pledge}/acknowledge", data={"csrf_token": token})
    ds.post(f"/review/pledges/{bt_pledge}/publish", data={"csrf_token": token, "publish": "1"})
    public = party.test_client().get("/public/units/P/pledges").get_data(as_text=True)
    assert "Nguyễn Văn Thành" in public and "Gương mẫu đi đầu" in public

    inspector = client_for(party, "ktra")
    assert inspector.get(f"/review/pledges/{bt_pledge}").status_code == 200
    denied = inspector.post(f"/review/pledges/{bt_pledge}/publish",
                            data={"csrf_token": csrf_token(inspector, "/"), "publish": "0"})
    assert denied.status_code == 403


def test_plan_template_errors_are_shown_with_their_line(party):
    officer = client_for(party, "tgiao")
    token = csrf_token(officer, "/plans/")
    response = officer.post("/plans/", data={
        "csrf_token": token, "year": YEAR, "unit_code": "G", "title": "Kế hoạch xã",
        "audience": "cadre", "courses": [COURSE], "deadline": "2026-12-31",
        "superiors_first": "y", "template": "title: ok\nsections:\n  - key: a\n    title: [\n"})
    assert response.status_code == 400
    assert "YAML" in response.get_data(as_text=True)
    good = officer.post("/plans/", data={
        "csrf_token": token, "year": YEAR, "unit_code": "G", "title": "Kế hoạch xã",
        "audience": "cadre", "courses": [COURSE], "deadline": "2026-12-31",
        "template": DEFAULT_TEMPLATE})
    assert good.status_code == 302
    with party.app_context():
        # The most specific plan applies to people in that subtree.
        from elearn.services.pledges import applicable_plan

        assert applicable_plan(find_user("dv"), YEAR).title == "Kế hoạch xã"
        assert applicable_plan(find_user("ttct"), YEAR).title == "Kế hoạch học tập năm nay"


def test_committees_record_inspections_and_the_year_is_summarised(party):
    ds = client_for(party, "ds")
    token = csrf_token(ds, "/inspections/")
    response = ds.post("/inspections/", data={
        "csrf_token": token, "unit_code": "C", "kind": "inspection",
        "held_on": local_today().isoformat(), "scope": "Việc thực hiện bản đăng ký năm nay",
        "findings": "Hai đảng viên đăng ký còn chung chung",
        "corrections": "Chỉnh sửa bản đăng ký cho cụ thể"})
    assert response.status_code == 302
    outside = ds.post("/inspections/", data={
        "csrf_token": token, "unit_code": "P", "kind": "inspection",
        "held_on": local_today().isoformat(), "scope": "x"})
    assert outside.status_code == 400
    officer_page = client_for(party, "tgiao").get("/inspections/").get_data(as_text=True)
    assert "Chi bộ ấp Phú Hòa" in officer_page and "Hai đảng viên" in officer_page
    assert "<td>Chi bộ</td><td>1</td><td>1</td><td>1</td><td>0</td>" in officer_page.replace(
        "\n", "").replace("    ", "")


def test_an_english_readers_bundle_is_in_english(party):
    """Issue #14 item 8: the bundle follows the reader's language, section titles and counts
    included, while what people wrote stays as written."""
    with party.app_context():
        from elearn.services import pledges as pledge_service

        for username in ("ds", "bt"):  # superiors first, as in the test above
            user = find_user(username)
            pledge = pledge_service.pledge_for(user, pledge_service.applicable_plan(user, YEAR))
            pledge.draft_commitment = json.dumps({"accepted": True})
            pledge.draft = json.dumps({"ct05": [{"what": "Gương mẫu đi đầu",
                                                 "by_when": "Cả năm", "how": "Chi bộ đánh giá"}]})
            pledge_service.file(pledge)
        db.session.commit()
    ds = client_for(party, "ds")
    ds.post("/language", data={"csrf_token": csrf_token(ds, "/"), "language": "en"})
    pdf = ds.get(f"/review/export.pdf?unit=G&year={YEAR}")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    text = " ".join(text.split())
    assert "Directive 05-CT/TW" in text and "Studying and following" in text
    assert "Học tập và làm theo" not in text and "Chỉ thị 05" not in text
    assert "1 pledge, bundled" in text
    assert "Gương mẫu đi đầu" in text
