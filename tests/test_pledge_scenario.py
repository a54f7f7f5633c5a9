"""The source article's province, walked through the web client on SQLite and PostgreSQL.

A province with its standing committee (3) inside a committee of 7, a district, a commune, and
a cell with a chi ủy of 3, ten party members and one civil servant outside the Party. Everyone
files in a valid order ("trên trước, dưới sau; trong trước, ngoài sau"); filings out of order
are refused with the right message; each pledge lands with the right reviewers; nobody answers
their own; the bound volume reaches every committee member and the level above; and a cell
meeting's check-ins appear in the year-end review.
"""
from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from elearn.clock import local_today
from elearn.content.pledge_template import DEFAULT_TEMPLATE
from elearn.extensions import db
from elearn.models import AuditEntry, Pledge, Position, StudyPlan
from elearn.registry import current_registry
from elearn.services import completions
from elearn.services.accounts import create_user, find_user
from elearn.services.committees import set_seat
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token, login

PASSWORD = "mat-khau-dai"
COURSE = "cd-2016-toan-khoa"
YEAR = local_today().year

# username: (unit, committee seats [(unit, position)], party member)
PROVINCE = {
    "bt": ("P", [("P", Position.SECRETARY)]),
    "pbt": ("P", [("P", Position.DEPUTY)]),
    "utv": ("P", [("P", Position.STANDING)]),
    "tuv1": ("P", [("P", Position.MEMBER)]),
    "tuv2": ("P", [("P", Position.MEMBER)]),
    "tuv3": ("P", [("P", Position.MEMBER)]),
    # The district secretary sits on the provincial committee too: they file there.
    "bthuyen": ("D", [("P", Position.MEMBER), ("D", Position.SECRETARY)]),
    "pbthuyen": ("D", [("D", Position.DEPUTY)]),
    "btxa": ("X", [("X", Position.SECRETARY)]),
    "pbtxa": ("X", [("X", Position.DEPUTY)]),
    "btcb": ("C", [("C", Position.SECRETARY)]),
    "pbtcb": ("C", [("C", Position.DEPUTY)]),
    "cuv": ("C", [("C", Position.MEMBER)]),
    **{f"dv{n}": ("C", []) for n in range(1, 11)},
}


@pytest.fixture
def province(app):
    with app.app_context():
        units = {"P": create_unit("P", "Tỉnh ủy Mẫu", "province")}
        units["D"] = create_unit("D", "Huyện ủy Hưng Thịnh", "district", units["P"])
        units["X"] = create_unit("X", "Đảng ủy xã An Phú", "grassroots", units["D"])
        units["C"] = create_unit("C", "Chi bộ ấp Phú Hòa", "cell", units["X"])
        course = current_registry().course(COURSE)
        for username, (unit, seats) in PROVINCE.items():
            user = create_user(username, f"Đồng chí {username.upper()}", PASSWORD, units[unit],
                               position="Bí thư" if username.startswith("bt") else "")
            user.is_leader = username in ("bt", "bthuyen")
            for seat_unit, position in seats:
                set_seat(units[seat_unit], user, position, None, commit=False)
            completions.create(user, course, method="in_person", score=None)
        civil = create_user("congchuc", "Công chức Hòa", PASSWORD, units["C"],
                            is_party_member=False)
        completions.create(civil, course, method="in_person", score=None)
        db.session.add(StudyPlan(year=YEAR, unit=units["P"], title="Kế hoạch năm nay",
                                 audience="cadre", courses=json.dumps([COURSE]),
                                 deadline=local_today() + timedelta(days=30),
                                 superiors_first=True, inside_first=True,
                                 template=DEFAULT_TEMPLATE))
        db.session.commit()
    return app


class People:
    """One signed-in browser per person, made on first use."""

    def __init__(self, app):
        self.app, self.clients = app, {}

    def __getitem__(self, username):
        if username not in self.clients:
            client = self.app.test_client()
            assert login(client, username, PASSWORD).status_code == 302
            self.clients[username] = client
        return self.clients[username]


def file(client, **extra):
    data = {"csrf_token": csrf_token(client, f"/pledges/{YEAR}"), "file": "y", "accepted": "y",
            "ct05-0-what": "Mỗi tháng đối thoại với ít nhất 5 hộ dân",
            "ct05-0-by_when": "Hằng tháng", "ct05-0-how": "Sổ ghi chép, chi ủy kiểm tra",
            "m_B5": "y", "g_B5": "Mỗi quý trực tiếp nghe dân phản ánh"}
    data.update(extra)
    return client.post(f"/pledges/{YEAR}", data=data)


def pledge_of(app, username):
    with app.app_context():
        pledge = db.session.scalar(select(Pledge).where(Pledge.user.has(username=username)))
        return (pledge.id, pledge.status, pledge.review_unit.code if pledge.review_unit else None,
                pledge.review_body) if pledge else None


VALID_ORDER = [
    ["bt"], ["pbt"], ["utv"], ["tuv1", "tuv2", "tuv3", "bthuyen"],   # the province
    ["pbthuyen"], ["btxa"], ["pbtxa"],                                # district, commune
    ["btcb"], ["pbtcb"], ["cuv"],                                     # the chi ủy
    [f"dv{n}" for n in range(1, 11)],                                 # the cell's members
    ["congchuc"],                                                     # outside the Party last
]
# Where each pledge lands, and who answers it.
EXPECTED_ROUTES = {
    "bt": ("P", "office", {"pbt"}), "pbt": ("P", "office", {"bt"}),
    "utv": ("P", "office", {"bt", "pbt"}), "tuv1": ("P", "standing", {"bt", "pbt", "utv"}),
    "bthuyen": ("P", "standing", {"bt", "pbt", "utv"}), "pbthuyen": ("D", "office", {"bthuyen"}),
    "btxa": ("X", "office", {"pbtxa"}), "btcb": ("C", "office", {"pbtcb"}),
    "cuv": ("C", "standing", {"btcb", "pbtcb"}), "dv1": ("C", "committee",
                                                          {"btcb", "pbtcb", "cuv"}),
    "congchuc": ("C", "committee", {"btcb", "pbtcb", "cuv"}),
}


def test_the_article_province_files_in_order_and_reviews_in_the_cell(province):
    people = People(province)

    # Out of order: each refusal names whom the person waits for.
    early = file(people["dv1"])
    assert early.status_code == 409
    text = early.get_data(as_text=True)
    assert "trên trước, dưới sau" in text and "Đồng chí BTCB" in text
    deputy_first = file(people["pbt"]).get_data(as_text=True)
    assert re.search(r"Đồng chí BT(?![A-Z])", deputy_first)  # the secretary, not the cell's
    assert pledge_of(province, "pbt")[1] == "draft"

    for step, group in enumerate(VALID_ORDER):
        for username in group:
            if step + 1 < len(VALID_ORDER):  # the next step is still refused
                for later in VALID_ORDER[step + 1][:1]:
                    refused = file(people[later])
                    assert refused.status_code == 409, (username, later)
            response = file(people[username])
            assert response.status_code == 302, (username, response.get_data(as_text=True)[:3000])
    inside = file(people["congchuc"])
    assert inside.status_code == 303  # already filed: a repeat changes nothing

    # Each pledge landed with the right committee, body and reviewers.
    for username, (unit, body, reviewers) in EXPECTED_ROUTES.items():
        pledge_id, status, review_unit, review_body = pledge_of(province, username)
        assert (status, review_unit, review_body) == ("filed", unit, body), username
        for reviewer in reviewers:
            queue = people[reviewer].get(f"/review/?unit={unit}&year={YEAR}")
            assert f"/review/pledges/{pledge_id}\"" in queue.get_data(as_text=True), (
                username, reviewer)
        page = people[username].get(f"/review/pledges/{pledge_id}")
        if page.status_code == 200:  # committee members may read their own; never answer it
            assert "/acknowledge\"" not in page.get_data(as_text=True)
        token = csrf_token(people[username], "/")
        own = people[username].post(f"/review/pledges/{pledge_id}/acknowledge",
                                    data={"csrf_token": token})
        assert own.status_code in (403, 404), username
        assert pledge_of(province, username)[1] == "filed"

    # The chi ủy answers its members; the cell meeting reviews two of them.
    dv1, dv2 = pledge_of(province, "dv1")[0], pledge_of(province, "dv2")[0]
    btcb = people["btcb"]
    for pledge_id in (dv1, dv2):
        acknowledged = btcb.post(f"/review/pledges/{pledge_id}/acknowledge",
                                 data={"csrf_token": csrf_token(btcb, "/")})
        assert acknowledged.status_code == 302
    page = btcb.get(f"/review/meetings?unit=C&year={YEAR}").get_data(as_text=True)
    assert "Đồng chí DV1" in page
    meeting = btcb.post(f"/review/meetings?unit=C&year={YEAR}", data={
        "csrf_token": csrf_token(btcb, f"/review/meetings?unit=C&year={YEAR}"),
        "held_on": local_today().isoformat(), "note": "Sinh hoạt chi bộ định kỳ",
        "request_key": "hop-thang-nay", "attendee": ["1", "2"],
        f"progress-{dv1}": "on_track", f"comment-{dv1}": "Đã gặp 15 hộ dân",
        f"progress-{dv2}": "behind", f"comment-{dv2}": "Chưa có sổ ghi chép"})
    assert meeting.status_code == 302
    again = btcb.post(f"/review/meetings?unit=C&year={YEAR}", data={
        "csrf_token": csrf_token(btcb, f"/review/meetings?unit=C&year={YEAR}"),
        "held_on": local_today().isoformat(), "request_key": "hop-thang-nay",
        f"progress-{dv1}": "on_track"})
    assert again.status_code == 302  # the same form sent twice is one meeting
    mine = people["dv1"].get(f"/pledges/{YEAR}").get_data(as_text=True)
    assert "Đã gặp 15 hộ dân" in mine

    # Year end: the self-assessment and the rating page show the check-ins.
    assessment = people["dv2"].get(f"/pledges/{YEAR}/assessment").get_data(as_text=True)
    assert "Chưa có sổ ghi chép" in assessment
    assessed = people["dv2"].post(f"/pledges/{YEAR}/assessment", data={
        "csrf_token": csrf_token(people["dv2"], f"/pledges/{YEAR}/assessment"),
        "ct05-0-result": "partly", "ct05-0-evidence": "Sổ ghi chép từ tháng 6"})
    assert assessed.status_code == 302
    rating_page = people["cuv"].get(f"/review/pledges/{dv2}").get_data(as_text=True)
    assert "Chưa có sổ ghi chép" in rating_page and 'name="rating"' in rating_page

    # The volume: bound by the chi ủy, read by every member of it and the level above.
    bound = btcb.post(f"/review/volumes?unit=C&year={YEAR}",
                      data={"csrf_token": csrf_token(btcb, "/")})
    assert bound.status_code == 302
    index = btcb.get(f"/review/?unit=C&year={YEAR}").get_data(as_text=True)
    volume_url = index.split('href="/review/volumes/')[1].split('"')[0]
    for reader in ("btcb", "pbtcb", "cuv", "btxa", "pbtxa"):
        download = people[reader].get(f"/review/volumes/{volume_url}")
        assert download.status_code == 200, reader
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(download.data)).pages)
        assert "Đồng chí DV10" in text and "Mỗi tháng đối thoại" in text
        assert "Quan liêu, xa dân" in text  # the manifestation B5 chosen, with its guard
    assert people["dv3"].get(f"/review/volumes/{volume_url}").status_code == 403
    with province.app_context():
        downloads = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "volume.downloaded"))
        assert downloads == 5
        filed = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "pledge.filed"))
        assert filed == len(PROVINCE) + 1  # one per person, repeats included
